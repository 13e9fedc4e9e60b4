// Tokenizing a whole SPL query: the segmenter finds the pipeline structure (pipes, subsearch brackets, command
// words) while respecting quotes and backslash escapes, and lexes each command's arguments in the mode that
// command's language needs. The result is one token vector for the parser, with offsets into the query text.

import { createTokenInstance, Lexer, type IToken, type TokenType } from 'chevrotain';
import type { Span } from '../src/errors.ts';
import {
  commandTokens,
  GenericCmd,
  ImplicitSearchCmd,
  LBracket,
  lexerDefinition,
  Pipe,
  RawArgs,
  RBracket,
  Template,
  type LexerMode,
} from './tokens.ts';

/** A syntax error found by the lexer or the parser, with its span in the (macro-expanded) query text. */
export class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The lexer's options; chevrotain's token-definition checks are skipped at start-up (a test runs them). */
export const LEXER_OPTIONS = { positionTracking: 'full', ensureOptimizations: false } as const;

// The definition checks took ~80 ms of every start (`bench/startup.ts`); test/grammar.test.ts runs them.
const modalLexer = new Lexer(lexerDefinition, { ...LEXER_OPTIONS, skipValidations: true });

/** Commands whose `[ … ]` holds a pipeline over the current results, which starts with a command (no implicit search). */
const COMMAND_FIRST = new Set(['appendpipe']);

/** Commands whose arguments are an eval expression (and where 'single quotes' quote field names). */
const evalModeCommands = new Set(['eval', 'where']);

/** Commands whose `[ … ]` is a template (placeholders such as <<FIELD>> replaced before parsing), not a subsearch. */
const templateCommands = new Set(['foreach']);

/** Tokens of a text that is one expression of the given language (a props.conf `EVAL-` value), not a pipeline. */
export function tokenizeExpression(text: string, mode: LexerMode): IToken[] {
  const result = modalLexer.tokenize(text, mode);
  if (result.errors.length > 0) {
    const err = result.errors[0];
    throw new SyntaxProblem(`unexpected character '${text[err.offset]}'`, { start: err.offset, end: err.offset + Math.max(1, err.length) }, lexHint(text[err.offset], mode));
  }
  return result.tokens;
}

export function tokenize(text: string): IToken[] {
  const seg = new Segmenter(text);
  seg.pipeline(0, true);
  return seg.tokens;
}

class Segmenter {
  readonly tokens: IToken[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /**
   * Parses commands from `pos` until end of text (top level) or an unmatched `]` (subsearch); returns the stop
   * position. `commandFirst`: the pipeline starts with a command word, not an implicit search (appendpipe's).
   */
  pipeline(pos: number, topLevel: boolean, commandFirst = false): number {
    pos = this.skipSpace(pos);
    let first = true;
    for (;;) {
      if (this.text[pos] === '|') {
        this.emit(Pipe, pos, pos + 1);
        pos = this.skipSpace(pos + 1);
        pos = this.commandWord(pos, false);
      } else if (first) {
        pos = this.commandWord(pos, !commandFirst);
      }
      first = false;
      const name = this.lastCommandName;
      pos = this.commandArguments(pos, name);
      if (pos >= this.text.length) {
        if (!topLevel) {
          throw new SyntaxProblem("this subsearch's '[' is never closed", { start: this.openBrackets.at(-1)!, end: this.openBrackets.at(-1)! + 1 }, "add ']' at the end of the subsearch");
        }
        return pos;
      }
      if (this.text[pos] === ']') {
        if (topLevel) throw new SyntaxProblem("unexpected ']' with no subsearch open", { start: pos, end: pos + 1 }, "remove it, or add the '[' it closes");
        return pos;
      }
      // otherwise we stopped at a '|'
    }
  }

  private lastCommandName = 'search';
  private readonly openBrackets: number[] = [];

  /** Reads the command word after a pipe (or at the start) and emits its token. */
  private commandWord(pos: number, initial: boolean): number {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(pos, pos + 64));
    const word = m?.[0];
    const lower = word?.toLowerCase();
    if (initial) {
      if (lower === 'search' && this.boundaryAfter(pos + word!.length)) {
        this.lastCommandName = 'search';
        this.emit(commandTokens.get('search')!, pos, pos + word!.length);
        return pos + word!.length;
      }
      this.lastCommandName = 'search';
      this.emit(ImplicitSearchCmd, pos, pos);
      return pos;
    }
    if (!word || !this.boundaryAfter(pos + word.length)) {
      const what = pos >= this.text.length ? 'the end of the query' : `'${this.text[pos]}'`;
      throw new SyntaxProblem(`expected a command name after '|' but found ${what}`, { start: pos, end: Math.min(pos + 1, this.text.length) }, "every '|' must be followed by a command, e.g. '| stats count'");
    }
    this.lastCommandName = lower!;
    this.emit(commandTokens.get(lower!) ?? GenericCmd, pos, pos + word.length);
    return pos + word.length;
  }

  private boundaryAfter(pos: number): boolean {
    const c = this.text[pos];
    return c === undefined || /[\s|[\]]/.test(c) || c === '(';
  }

  /** Emits the argument tokens of the current command; stops at a top-level `|`, `]` or the end. */
  private commandArguments(pos: number, command: string): number {
    const mode: LexerMode | 'raw' = evalModeCommands.has(command)
      ? 'eval'
      : command === 'search' || commandTokens.has(command)
        ? 'search'
        : 'raw';
    const singleQuotes = mode === 'eval';
    let pieceStart = pos;
    let i = pos;
    const flush = (end: number) => {
      if (end > pieceStart) this.lexPiece(pieceStart, end, mode);
    };
    while (i < this.text.length) {
      const c = this.text[i];
      if (c === '\\') {
        i += 2;
      } else if (c === '"' || (singleQuotes && c === "'")) {
        i = this.skipQuoted(i, c);
      } else if (c === '|' || c === ']') {
        break;
      } else if (c === '[' && mode === 'raw') {
        // Brackets of commands duckhunt does not know are kept raw: they may not hold a pipeline at all.
        i = this.skipBrackets(i);
      } else if (c === '[' && templateCommands.has(command)) {
        flush(i);
        const stop = this.skipBrackets(i);
        this.emit(Template, i, stop);
        i = stop;
        pieceStart = i;
      } else if (c === '[') {
        flush(i);
        this.emit(LBracket, i, i + 1);
        this.openBrackets.push(i);
        const stop = this.pipeline(i + 1, false, COMMAND_FIRST.has(command));
        this.openBrackets.pop();
        this.emit(RBracket, stop, stop + 1);
        i = stop + 1;
        pieceStart = i;
      } else {
        i++;
      }
    }
    i = Math.min(i, this.text.length);
    flush(i);
    return i;
  }

  private skipBrackets(start: number): number {
    let depth = 0;
    let i = start;
    while (i < this.text.length) {
      const c = this.text[i];
      if (c === '\\') i += 2;
      else if (c === '"') i = this.skipQuoted(i, c);
      else {
        if (c === '[') depth++;
        else if (c === ']' && --depth === 0) return i + 1;
        i++;
      }
    }
    throw new SyntaxProblem("this '[' is never closed", { start, end: start + 1 }, "add the matching ']'");
  }

  private skipQuoted(start: number, quote: string): number {
    let i = start + 1;
    while (i < this.text.length) {
      const c = this.text[i];
      if (c === '\\') i += 2;
      else if (c === quote) return i + 1;
      else i++;
    }
    throw new SyntaxProblem(
      quote === '"' ? 'this quoted string is never closed' : "this 'quoted field name' is never closed",
      { start, end: start + 1 },
      `add the closing ${quote}`,
    );
  }

  private lexPiece(start: number, end: number, mode: LexerMode | 'raw'): void {
    const piece = this.text.slice(start, end);
    if (mode === 'raw') {
      const trimmedStart = start + (piece.length - piece.trimStart().length);
      const trimmedEnd = end - (piece.length - piece.trimEnd().length);
      if (trimmedEnd > trimmedStart) this.emit(RawArgs, trimmedStart, trimmedEnd);
      return;
    }
    const result = modalLexer.tokenize(piece, mode);
    if (result.errors.length > 0) {
      const err = result.errors[0];
      const at = start + err.offset;
      const ch = this.text[at];
      throw new SyntaxProblem(`unexpected character '${ch}'`, { start: at, end: at + Math.max(1, err.length) }, lexHint(ch, mode));
    }
    for (const t of result.tokens) this.emit(t.tokenType, start + t.startOffset, start + t.endOffset! + 1, t.image);
  }

  private skipSpace(pos: number): number {
    while (pos < this.text.length && /\s/.test(this.text[pos])) pos++;
    return pos;
  }

  private emit(type: TokenType, start: number, end: number, image = this.text.slice(start, end)): void {
    const sl = this.lineOf(start);
    const el = this.lineOf(Math.max(start, end - 1));
    this.tokens.push(
      createTokenInstance(type, image, start, end - 1, sl + 1, el + 1, start - this.lineStarts[sl] + 1, end - this.lineStarts[el]),
    );
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function lexHint(ch: string | undefined, mode: LexerMode): string | undefined {
  if (mode === 'eval' || mode === 'nestedEval') {
    if (ch === '{' || ch === '}' || ch === '@' || ch === ':') {
      return "in eval and where, a field name with characters other than letters, digits and '_' goes in single quotes, e.g. 'AffectedItems{}.Subject'";
    }
    if (ch === '!') return "use NOT or '!=' in eval and where";
  }
  return undefined;
}

/** Span of a token as a half-open range. */
export function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}
