// One error type for everything a user can get wrong: every error carries a kind, a position in the text the
// user wrote (after mapping back through macro expansion), and renders with the query line and a caret.

export type ErrorKind =
  | 'syntax_error' // the text does not follow the grammar
  | 'macro_error' // unknown macro, wrong arity, cycle, expansion too deep/large
  | 'unsupported' // valid SPL that duckhunt does not implement (yet)
  | 'compile_error' // valid syntax, invalid meaning (unknown option, bad span, …)
  | 'source_error' // a source file is missing, unreadable or malformed
  | 'output_error' // the results cannot be written where they were asked for
  | 'usage_error' // a command-line option has a value duckhunt cannot use
  | 'knowledge_error' // a knowledge bundle (.conf file, lookup definition or table) is missing or malformed
  | 'runtime_error'; // DuckDB failed while running the query

/** Half-open character range [start, end) into a text. */
export interface Span {
  start: number;
  end: number;
}

/** Where a position lies in the original text, and through which macro calls it was reached. */
export interface Position {
  offset: number;
  line: number; // 1-based
  column: number; // 1-based, in UTF-16 code units like editors count
  /** Outermost first: the macro calls (in the user's text) whose expansion contains the error. */
  macroTrail: { name: string; line: number; column: number }[];
}

export class DuckhuntError extends Error {
  readonly kind: ErrorKind;
  /** Span in the *original* query text (already mapped back through macros), if the error has a place. */
  readonly span: Span | undefined;
  readonly position: Position | undefined;
  readonly hint: string | undefined;
  /** The original query text, kept so that render() can show the line and a caret. */
  readonly source: string | undefined;
  readonly file: string | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: { span?: Span; position?: Position; hint?: string; source?: string; file?: string } = {},
  ) {
    super(message);
    this.name = 'DuckhuntError';
    this.kind = kind;
    this.span = opts.span;
    this.position = opts.position ?? (opts.span && opts.source !== undefined ? positionAt(opts.source, opts.span.start) : undefined);
    this.hint = opts.hint;
    this.source = opts.source;
    this.file = opts.file;
  }

  /** A copy that knows the file the query came from. */
  withFile(file: string): DuckhuntError {
    return new DuckhuntError(this.kind, this.message, {
      span: this.span,
      position: this.position,
      hint: this.hint,
      source: this.source,
      file,
    });
  }

  /** `file:line:col: kind: message`, the query line, a caret under the span, then the hint. */
  render(): string {
    const where = this.position ? `${this.position.line}:${this.position.column}` : '';
    const head = [this.file, where].filter(Boolean).join(':');
    const lines = [`${head ? head + ': ' : ''}${this.kind.replace('_', ' ')}: ${this.message}`];
    if (this.position && this.source !== undefined) {
      lines.push(...caretLines(this.source, this.position, this.span));
    }
    for (const call of this.position?.macroTrail ?? []) {
      lines.push(`  (inside the expansion of macro \`${call.name}\` called at ${call.line}:${call.column})`);
    }
    if (this.hint) lines.push(`hint: ${this.hint}`);
    return lines.join('\n');
  }
}

export function positionAt(text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1, macroTrail: [] };
}

function caretLines(source: string, pos: Position, span: Span | undefined): string[] {
  const lineStart = pos.offset - (pos.column - 1);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  const raw = source.slice(lineStart, lineEnd).replace(/\r$/, '');
  // Long lines are cut around the caret so the message stays readable.
  const max = 120;
  let from = 0;
  if (raw.length > max) from = Math.max(0, Math.min(pos.column - 1 - 40, raw.length - max));
  const shown = raw.slice(from, from + max).replace(/\t/g, ' ');
  const prefix = from > 0 ? '…' : '';
  const suffix = from + max < raw.length ? '…' : '';
  const caretCol = pos.column - 1 - from + prefix.length;
  const spanLen = span ? Math.max(1, Math.min(span.end, lineEnd) - pos.offset) : 1;
  const width = Math.max(1, Math.min(spanLen, shown.length + prefix.length - caretCol));
  const gutter = String(pos.line).padStart(4) + ' | ';
  return [gutter + prefix + shown + suffix, ' '.repeat(gutter.length + caretCol) + '^'.repeat(width)];
}

/** What a failed system call says, without Node's error code and path: `no such file or directory`. */
export function systemReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? message;
}

export function isDuckhuntError(e: unknown): e is DuckhuntError {
  return e instanceof DuckhuntError;
}
