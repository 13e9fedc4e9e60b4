// What duckhunt makes of the security_content corpus, measured the same way by test/corpus.test.ts and
// `npm run corpus:report` / `npm run corpus:update` (scripts/corpus-report.ts): every detection is parsed, and
// one that compiles is run over a tiny source, so that "compiles" means "DuckDB accepts and runs its SQL" — a
// binder error is a failure to compile. The ratchet file (test/corpus-ratchet.json) keeps the exact outcome.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Pipeline, SearchExpr } from '../../src/ast/ast.ts';
import { subpipelines } from '../../src/ast/walk.ts';
import { checkFile, collectQueryFiles, type CheckStatus } from '../../src/check.ts';
import { defaultCompileOptions } from '../../src/compile/context.ts';
import { compilePrepared, type CompiledQuery } from '../../src/compile/index.ts';
import type { ParsedQuery } from '../../src/frontend.ts';
import { Engine } from '../../src/engine/engine.ts';
import { DuckhuntError } from '../../src/errors.ts';
import { allLookups, loadKnowledge, withTimeProps, type Knowledge } from '../../src/knowledge/index.ts';
import { defaultMacroLibrary } from '../../src/macros/index.ts';
import { catalogFromFlags, type SourceBinding } from '../../src/sources/catalog.ts';

export const RATCHET_FILE = join(import.meta.dirname, '..', 'corpus-ratchet.json');
export const KNOWN_FAILURES_FILE = join(import.meta.dirname, '..', 'corpus-known-failures.json');

/** The checked-in outcome: parse-only counts, and the exact detections whose SQL runs. */
export interface Ratchet {
  note: string;
  /** Detections that parse, with every command known to the grammar. */
  parsed: number;
  /** Detections that parse but use a command duckhunt does not run, by the first such command. */
  unsupportedCommands: Record<string, number>;
  /** Detections (paths relative to the corpus) that compile and whose SQL runs over a tiny source. */
  runs: string[];
}

export interface DetectionOutcome {
  /** Relative to the corpus root, e.g. detections/cloud/x.yml. */
  file: string;
  /** Parse only: ok, unsupported (a command the grammar does not know), or the parse error's kind. */
  parse: CheckStatus;
  /** The first unsupported command when parse is 'unsupported'. */
  command?: string;
  /** Compiled and ran (undefined), or why not. */
  failure?: string;
  /** Parse error message, for the known-failure check. */
  message?: string | null;
}

export interface CorpusMeasure {
  detections: DetectionOutcome[];
  ratchet: Omit<Ratchet, 'note'>;
}

export const NOTE =
  'Written by `npm run corpus:update` (scripts/corpus-report.ts --update): parse outcomes and the exact detections whose SQL compiles and runs. test/corpus.test.ts fails when it differs either way.';

/** A search's `sourcetype=` and `sourcetype IN (…)` values anywhere in the pipeline (subsearches too). */
export function sourcetypesOf(p: Pipeline, out: Set<string> = new Set()): Set<string> {
  const visit = (e: SearchExpr | undefined) => {
    if (!e) return;
    switch (e.kind) {
      case 'compare':
        if (e.field.name === 'sourcetype' && e.op === '=') out.add(e.value.text);
        break;
      case 'in':
        if (e.field.name === 'sourcetype') for (const v of e.values) out.add(v.text);
        break;
      case 'and':
      case 'or':
        e.items.forEach(visit);
        break;
      case 'not':
        visit(e.expr);
        break;
      default:
        break;
    }
  };
  for (const c of p.commands) {
    if (c.command === 'search') visit(c.expr);
    for (const nested of subpipelines(c)) sourcetypesOf(nested, out);
  }
  return out;
}

/**
 * A knowledge bundle (written to a temporary directory) in which the events of sourcetype `corpus:any` carry every
 * tag the data models' constraints name, and those of index `risk` exist, so that every CIM dataset has a bound
 * source that can feed it: a tstats detection then runs over the tiny source instead of stopping at "no bound
 * source has events of the dataset" (decision X71), which says nothing about its SQL.
 */
export function corpusAnyBundle(models: Knowledge): string {
  const tags = new Set<string>();
  for (const file of models.bundles.flatMap((b) => dataModelFiles(b))) for (const m of readFileSync(file, 'utf8').matchAll(/\btag\s*=\s*"?([A-Za-z_][\w-]*)/g)) tags.add(m[1]);
  const dir = mkdtempSync(join(tmpdir(), 'duckhunt-corpus-any-'));
  mkdirSync(join(dir, 'default'));
  writeFileSync(join(dir, 'default', 'eventtypes.conf'), `[duckhunt_corpus_any]\nsearch = sourcetype="corpus:any"\ntags = ${[...tags].sort().join(' ')}\n`);
  return dir;
}

function dataModelFiles(bundle: string): string[] {
  const dir = join(bundle, 'default', 'data', 'models');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)) : [];
}

/**
 * Runs detections over a tiny source: one event with a _time and nothing else, bound to every sourcetype a
 * detection names (a wildcard read as any text), to `corpus:any`, which a search naming no sourcetype reads and
 * which feeds every data model dataset (corpusAnyBundle), and to index `risk` (the Risk data model's events).
 */
export class CorpusRunner {
  private readonly file: string;

  private constructor(readonly engine: Engine) {
    const dir = mkdtempSync(join(tmpdir(), 'duckhunt-corpus-'));
    this.file = join(dir, 'event.ndjson');
    writeFileSync(this.file, JSON.stringify({ _time: 1_700_000_000 }) + '\n');
  }

  /** An engine that knows the lookup tables of `knowledge` (their fields are read once, as `check` does). */
  static async create(knowledge: Knowledge): Promise<CorpusRunner> {
    const engine = await Engine.create({ timezone: 'UTC', threads: 1 });
    await engine.describeLookups(knowledge, allLookups(knowledge));
    return new CorpusRunner(engine);
  }

  bindingsFor(ast: Pipeline): SourceBinding[] {
    const names = [...sourcetypesOf(ast)].map((s) => s.replace(/\*/g, 'x')).filter((s) => /^[^\s=]+$/.test(s));
    return catalogFromFlags([...[...new Set([...names, 'corpus:any'])].map((st) => `${st}=${this.file}`), `corpus:risk@risk=${this.file}`]).bindings;
  }

  /** Undefined when the SQL ran, else DuckDB's (or duckhunt's) reason. */
  async run(q: CompiledQuery): Promise<string | undefined> {
    try {
      await this.engine.run(q, () => {});
      return undefined;
    } catch (e) {
      return e instanceof DuckhuntError ? `${e.kind}: ${e.message.split('\n')[0]}` : String(e);
    }
  }

  close(): void {
    this.engine.close();
  }
}

/**
 * Parses, compiles and runs every detection of a security_content checkout, with duckhunt's own knowledge and
 * the checkout's lookups (lookups/*.yml and .csv) when it has them.
 */
export async function measureCorpus(root: string): Promise<CorpusMeasure> {
  const checkout = existsSync(join(root, 'lookups')) ? [root] : [];
  const knowledge = loadKnowledge([...checkout, corpusAnyBundle(loadKnowledge(checkout))]);
  const macros = defaultMacroLibrary([join(root, 'macros')], knowledge.macros);
  const options = { ...defaultCompileOptions(), knowledge, now: 1_700_000_000 };
  const runner = await CorpusRunner.create(knowledge);
  const detections: DetectionOutcome[] = [];
  try {
    for (const path of collectQueryFiles([join(root, 'detections')])) {
      let parsed: ParsedQuery | undefined;
      const r = checkFile(path, {
        macros,
        parseOnly: false,
        compile: (p) => void (parsed = p),
      });
      const file = relative(root, path);
      if (!parsed) {
        const command = r.status === 'unsupported' ? /^command '([^']+)'/.exec(r.message ?? '')?.[1] : undefined;
        detections.push({ file, parse: r.status, command, failure: `${r.status}: ${r.message}`, message: r.message });
        continue;
      }
      let compiled: CompiledQuery;
      try {
        // A wildcard over the events reads their fields from the tiny source first, a subsearch filter or a chart's
        // series its rows, as a run does.
        const p: ParsedQuery = parsed;
        compiled = await compilePrepared(p, withTimeProps(knowledge, runner.bindingsFor(p.ast)), options, {
          discover: (requests) => runner.engine.discoverFields(requests),
          prerun: (requests) => runner.engine.prerun(requests),
        });
      } catch (e) {
        if (!(e instanceof DuckhuntError)) throw e;
        detections.push({ file, parse: 'ok', failure: `${e.kind}: ${e.message.split('\n')[0]}` });
        continue;
      }
      detections.push({ file, parse: 'ok', failure: await runner.run(compiled) });
    }
  } finally {
    runner.close();
  }
  const unsupportedCommands: Record<string, number> = {};
  for (const d of detections) if (d.command) unsupportedCommands[d.command] = (unsupportedCommands[d.command] ?? 0) + 1;
  return {
    detections,
    ratchet: {
      parsed: detections.filter((d) => d.parse === 'ok').length,
      unsupportedCommands: Object.fromEntries(Object.entries(unsupportedCommands).sort(([a], [b]) => a.localeCompare(b))),
      runs: detections.filter((d) => d.parse === 'ok' && !d.failure).map((d) => d.file),
    },
  };
}

export function readRatchet(): Ratchet {
  return JSON.parse(readFileSync(RATCHET_FILE, 'utf8')) as Ratchet;
}

export function writeRatchet(m: CorpusMeasure): void {
  const r: Ratchet = { note: NOTE, ...m.ratchet };
  writeFileSync(RATCHET_FILE, JSON.stringify(r, null, 2) + '\n');
}
