// Property-based fuzzing of the front end and the compiler, shared by test/fuzz.test.ts (a few thousand cases in
// `npm test`) and scripts/fuzz.ts (`npm run fuzz`: 100,000 cases, counting every crash).
//
// The property: for any text, parsing and compiling either succeed or throw a DuckhuntError with a position that
// lies inside the text; and a query that compiles runs over a tiny source of every sourcetype (a sample of them:
// see Runner) and either returns rows or fails with such a positioned DuckhuntError. Anything else — a TypeError,
// a stack overflow, a chevrotain internal error, an error without a place, DuckDB rejecting the SQL we wrote — is
// a crash.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compilePrepared, compileQuery, type CompiledQuery } from '../../src/compile/index.ts';
import { defaultCompileOptions } from '../../src/compile/context.ts';
import { Engine } from '../../src/engine/engine.ts';
import { DuckhuntError } from '../../src/errors.ts';
import { parseQuery } from '../../src/frontend.ts';
import { defaultMacroLibrary, type MacroLibrary } from '../../src/macros/index.ts';
import { readQueryFile } from '../../src/query-file.ts';
import { catalogFromFlags, type SourceBinding } from '../../src/sources/catalog.ts';
import { CORPUS } from '../support/corpus.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Macros of the corpus (when there is one, read in place) plus queries/macros.conf, loaded once. */
export const macros: MacroLibrary = defaultMacroLibrary(CORPUS ? [join(CORPUS, 'macros')] : []);

/**
 * The tiny source every sourcetype is bound to: two events, one with fields of every shape the seeds name (text,
 * numbers, nested objects, arrays of objects), one with almost none — so that compiled SQL meets real values and
 * nulls when it runs.
 */
const SOURCE_DIR = mkdtempSync(join(tmpdir(), 'duckhunt-fuzz-'));
const EVENTS = [
  {
    _time: '2023-11-14T22:13:20Z',
    CreationTime: '2023-11-14T22:13:20',
    Received: '2023-11-14T22:13:20.1234567',
    Operation: 'HardDelete',
    Workload: 'Exchange',
    UserId: 'Alice@Example.com',
    ClientIP: '10.1.2.3',
    user: 'alice',
    x: '42',
    n: 7,
    Status: 'Delivered',
    SenderAddress: 'a@example.com',
    RecipientAddress: 'b@other.org',
    Item: { Subject: 'Q3 report', SizeInBytes: 2048, Attachments: 'a.pdf (100b); b.txt (5b)', InternetMessageId: '<m1@example.com>' },
    AffectedItems: [{ Subject: 'Q3 report', Attachments: 'a.pdf (100b)' }, { Subject: 'other' }],
    Folder: { Path: '\\Sent Items' },
    Parameters: [{ Name: 'From', Value: 'x' }],
    Processes: { process_name: 'cmd.exe', dest: 'host1', user: 'alice' },
  },
  { _time: 1_700_000_100, note: 'sparse' },
];
writeFileSync(join(SOURCE_DIR, 'events.ndjson'), EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');

/** The sourcetypes the seeds and tokens name, each bound to the tiny source. */
const bindings: SourceBinding[] = catalogFromFlags(
  ['o365:management:activity', 'o365:reporting:messagetrace', 'st', 'x', 'y'].map((st) => `${st}=${join(SOURCE_DIR, 'events.ndjson')}`),
).bindings;

/**
 * Real queries to mutate: the headline detection, our own seed queries (test/fuzz/seeds.spl, one per line), and
 * every 25th corpus detection when a corpus is found (deterministic).
 */
export function seedQueries(): string[] {
  const seeds = [readQueryFile(join(ROOT, 'queries', 'o365_email_send_and_hard_delete_exfiltration_behavior.spl')).text];
  seeds.push(...readFileSync(join(import.meta.dirname, 'seeds.spl'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')));
  if (!CORPUS) return seeds;
  const dir = join(CORPUS, 'detections');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.yml')) files.push(join(d, e.name));
    }
  };
  walk(dir);
  for (let k = 0; k < files.length; k += 25) seeds.push(readQueryFile(files[k]).text);
  return seeds;
}

const TOKENS = [
  'search', 'eval', 'where', 'stats', 'eventstats', 'streamstats', 'bin', 'bucket', 'join', 'table', 'fields', 'rename', 'sort', 'head',
  'tail', 'dedup', 'rex', 'fillnull', 'mvexpand', 'makeresults', 'append', 'spath', 'convert', 'tstats', 'lookup', 'timechart', 'top',
  'by', 'BY', 'as', 'AS', 'OR', 'AND', 'NOT', 'IN', 'or', 'max=0', 'type=left', 'span=1h', 'span=1w', 'count', 'dc(', 'values(', 'perc95(',
  'if(', 'case(', 'CASE(', 'TERM(', 'match(', 'replace(', 'mvindex(', 'split(', 'strftime(', 'relative_time(', 'cidrmatch(', 'printf(',
  'now()', 'null()', '|', '|', '|', '[', ']', '(', ')', '{', '}', '"', "'", '`', '\\', '=', '==', '!=', '<', '>', '<=', '>=', ',', '.',
  '+', '-', '*', '/', '%', '$x$', '```', '```a comment```', '`o365_management_activity`', '`security_content_ctime(firstTime)`',
  '`unknown_macro`', '`drop_dm_object_name(x)`', 'x', 'user', 'Item.Subject', "'AffectedItems{}.Subject'", '-time', '_time', '_raw',
  'sourcetype=o365:management:activity', 'earliest=-24h@h', 'latest=now', '0', '1', '-1', '1e308', '3.14', '0x1f', '"a b"', '"\\\\Sent Items"',
  '"*"', '"a\nb"', 'rename x AS "a\r\nb{}"', 'spath path="a\u2028b"', '*', 'a*b', '"(?<g>x+)"', '"(?=look)"', '\u0000', '\u200f', '\u202e', '😀', '\ud800', 'é', '\t', '\n', '\r\n', ' ',
];

const token = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 80 }).map((n) => '('.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 80 }).map((n) => '['.repeat(n)) },
);

/** Queries made of SPL-ish tokens. */
const generated = fc.array(token, { maxLength: 40 }).chain((ts) => fc.constantFrom(' ', '').map((sep) => ts.join(sep)));

/** Deeply nested or huge shapes, sized past every limit. */
const extreme = fc.oneof(
  fc.integer({ min: 1, max: 3000 }).map((n) => '* | eval x=' + '('.repeat(n) + '1' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'x=1 ' + 'NOT '.repeat(n) + 'a=1'),
  fc.integer({ min: 1, max: 3000 }).map((n) => '* | eval x=1' + '+1'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => 'x=1 ' + '[search '.repeat(n) + 'a=1' + ']'.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => '* | eval x=' + 'abs('.repeat(n) + '1' + ')'.repeat(n)),
  fc.integer({ min: 1, max: 2000 }).map((n) => 'x=1 ' + 'a=1 OR '.repeat(n) + 'b=1'),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => `* | eval x="${'a'.repeat(n)}"`),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => `x=${'9'.repeat(n)}`),
  // Operands a translation uses more than once, nested up to the bracket limit: the SQL must stay linear.
  fc.tuple(fc.constantFrom('sqrt(X)', 'substr(X, 2)', 'max(X, "1")', 'mvindex(X, -1)', 'tostring(X, "hex")', 'isstr(X)', 'mvdedup(X)', 'ln(X)', 'if(X, 1, 0)', '(X+a)', 'strftime(X, "%s%s")'), fc.integer({ min: 1, max: 70 }))
    .map(([t, n]) => `* | eval x=${Array.from({ length: n }).reduce<string>((e) => t.replace('X', e), 'a')}`),
  fc.integer({ min: 1, max: 200 }).map((n) => `* | eval x=a${'+a'.repeat(n)}`),
  fc.integer({ min: 1, max: 200 }).map((n) => `* | eval x=relative_time(a, "${'@w1'.repeat(n)}")`),
);

/** Pieces inserted whole into real queries: a huge literal, deep brackets, a long operator chain. */
const bigPiece = fc.oneof(
  fc.integer({ min: 1000, max: 100_000 }).map((n) => `"${'x'.repeat(n)}"`),
  fc.integer({ min: 50, max: 5000 }).map((n) => '('.repeat(n)),
  fc.integer({ min: 50, max: 5000 }).map((n) => '('.repeat(n) + 'a' + ')'.repeat(n)),
  fc.integer({ min: 50, max: 2000 }).map((n) => 'a' + '+a'.repeat(n)),
);

type Edit = { kind: 'truncate' | 'delete' | 'insert' | 'duplicate' | 'swap'; a: number; b: number; text: string };

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('truncate', 'delete', 'insert', 'duplicate', 'swap'),
  a: fc.nat(),
  b: fc.nat(),
  text: fc.oneof({ weight: 20, arbitrary: token }, { weight: 1, arbitrary: bigPiece }),
});

function applyEdit(s: string, e: Edit): string {
  const n = s.length + 1;
  const [i, j] = [e.a % n, e.b % n].sort((x, y) => x - y);
  switch (e.kind) {
    case 'truncate':
      return s.slice(0, i);
    case 'delete':
      return s.slice(0, i) + s.slice(j);
    case 'insert':
      return s.slice(0, i) + e.text + s.slice(i);
    case 'duplicate':
      return s.slice(0, j) + s.slice(i, j) + s.slice(j);
    case 'swap': {
      const k = Math.floor((i + j) / 2);
      return s.slice(0, i) + s.slice(k, j) + s.slice(i, k) + s.slice(j);
    }
  }
}

/** Real queries with a few edits each: truncated, cut, with tokens inserted, duplicated or swapped. */
function mutated(seeds: string[]) {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([s, edits]) => edits.reduce(applyEdit, s));
}

export function queries(seeds: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: mutated(seeds) }, { weight: 4, arbitrary: generated }, { weight: 1, arbitrary: extreme });
}

export type Outcome = { ok: true; compiled: CompiledQuery } | { ok: false; expected: true } | { ok: false; expected: false; error: unknown; why: string };

/** Parse and compile `text`; classify what happened. */
const fuzzOptions = () => ({ ...defaultCompileOptions(), now: 1_700_000_000 });

export function attempt(text: string): Outcome {
  try {
    const parsed = parseQuery({ file: undefined, text, detectionName: undefined }, { macros });
    return { ok: true, compiled: compileQuery(parsed, bindings, fuzzOptions()) };
  } catch (e) {
    return classify(e, text);
  }
}

/** A thrown value: a DuckhuntError positioned inside the text is expected, anything else is a crash. */
function classify(e: unknown, text: string): Exclude<Outcome, { ok: true }> {
  if (!(e instanceof DuckhuntError)) return { ok: false, expected: false, error: e, why: `threw ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}` };
  const bad = positionProblem(e, text);
  if (bad) return { ok: false, expected: false, error: e, why: `${bad}: ${e.kind}: ${e.message.slice(0, 500)}` };
  return { ok: false, expected: true };
}

/** Why the error's position is missing or does not lie inside the text, or undefined when it is fine. */
function positionProblem(e: DuckhuntError, text: string): string | undefined {
  const p = e.position;
  if (!p) return 'no position';
  if (!(p.offset >= 0 && p.offset <= text.length)) return `offset ${p.offset} outside 0..${text.length}`;
  const lines = text.split('\n');
  if (!(p.line >= 1 && p.line <= lines.length)) return `line ${p.line} outside 1..${lines.length}`;
  if (!(p.column >= 1 && p.column <= lines[p.line - 1].length + 1)) return `column ${p.column} outside 1..${lines[p.line - 1].length + 1} of line ${p.line}`;
  return undefined;
}

/** Every how many queries that compile the campaign also runs (running costs milliseconds, compiling microseconds). */
export const RUN_EVERY = 5;

export type RunOutcome = Exclude<Outcome, { ok: true }> | { ok: true } | { ok: false; expected: true; slow: true };

/**
 * Runs compiled queries over the tiny source, one DuckDB for the whole campaign. A query still running after
 * `timeoutMs` is interrupted and counted as slow (a generated `makeresults count=…` may be legitimately large),
 * not as a crash.
 */
export class Runner {
  private constructor(private readonly engine: Engine) {}

  static async create(): Promise<Runner> {
    return new Runner(await Engine.create({ timezone: 'UTC', threads: 1, memoryLimit: '1GB' }));
  }

  async run(text: string, compiled: CompiledQuery, timeoutMs = 3000): Promise<RunOutcome> {
    let interrupted = false;
    const timer = setTimeout(() => {
      interrupted = true;
      this.engine.connection.interrupt();
    }, timeoutMs);
    try {
      // A query with a wildcard over the events or a subsearch filter is compiled again with what it asks for, as
      // a run does (its field discovery and preruns run over the tiny source too).
      const prepared =
        compiled.discoveries.length > 0 || compiled.preruns.length > 0
          ? await compilePrepared(parseQuery({ file: undefined, text, detectionName: undefined }, { macros }), bindings, fuzzOptions(), {
              discover: (requests) => this.engine.discoverFields(requests),
              prerun: (requests) => this.engine.prerun(requests),
            })
          : compiled;
      await this.engine.run(prepared, () => {});
      return { ok: true };
    } catch (e) {
      if (interrupted) return { ok: false, expected: true, slow: true };
      return classify(e, text);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.engine.close();
  }
}
