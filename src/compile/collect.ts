// The field names a query mentions anywhere. Event scans extract exactly these from the JSON, so a field is
// available wherever the query names it (including after joins), and nothing else is parsed.

import { FOREACH_PLACEHOLDER, type Aggregation, type Command, type Pipeline } from '../ast/ast.ts';
import { parseSearchString } from '../../grammar/index.ts';
import type { Span } from '../errors.ts';
import { dynamicTarget } from './commands/eval.ts';
import { optionExpr, valueSearch } from './option-expr.ts';
import { groupNames } from './regex.ts';
import { isWildcard } from './wildcard.ts';

/** Per command, the options that name a field to read. */
const FIELD_OPTIONS: Record<string, string[]> = { rex: ['field'], spath: ['input'] };

/** `$name$` tokens of map's search: field names, and `_serial_id` (the row's 1-based number). */
export const MAP_TOKEN = /\$([^$\s]+)\$/g;

/** The fields map's search text names with `$field$`, in order of first mention. */
export function mapTokenFields(search: string): string[] {
  return [...new Set([...search.matchAll(MAP_TOKEN)].map((m) => m[1]).filter((n) => n !== '_serial_id'))];
}

export function referencedFieldNames(p: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    // A FieldRef is exactly { name, span }; an eval field expression is { kind: 'field', name, … }.
    const keys = Object.keys(o);
    const isFieldRef = typeof o.name === 'string' && keys.length === 2 && 'span' in o;
    // Wildcards, names spelled from other fields (`eval {key}=…`) and the names that stand for a foreach
    // template's placeholders are not fields.
    if ((isFieldRef || o.kind === 'field') && typeof o.name === 'string' && !o.name.includes('*') && !o.name.includes(FOREACH_PLACEHOLDER) && !dynamicTarget(o.name)) names.add(o.name);
    // Options whose value is a field name (`rex field=msg`) are plain text in the AST, not field references.
    const fieldOptions = typeof o.command === 'string' ? FIELD_OPTIONS[o.command] : undefined;
    if (fieldOptions && Array.isArray(o.options)) {
      for (const opt of o.options as Array<{ name: string; value: string }>) {
        if (fieldOptions.includes(opt.name.toLowerCase()) && !opt.value.includes('*')) names.add(opt.value);
      }
    }
    // map search="… $user$ …" reads the fields its tokens name.
    if (o.command === 'map' && Array.isArray(o.options)) {
      for (const opt of o.options as Array<{ name: string; value: string }>) if (opt.name.toLowerCase() === 'search') mapTokenFields(opt.value).forEach((n) => names.add(n));
    }
    // searchmatch("user=a*") reads the fields its search names.
    const args = o.args as Array<{ kind: string; value?: unknown; span: Span }> | undefined;
    if (o.kind === 'call' && o.name === 'searchmatch' && args?.[0]?.kind === 'string') {
      try {
        visit(parseSearchString(String(args[0].value), args[0].span));
      } catch {
        // a syntax error is reported where the function compiles
      }
    }
    for (const k of keys) if (k !== 'span' && k !== 'nameSpan') visit(o[k]);
  };
  visit(p);
  return names;
}

/**
 * The fields a pipeline's initial search must extract from the events: names read before the pipeline itself
 * assigns them (eval targets, rename targets, rex groups…), up to the first command that replaces the events
 * with new rows (stats, table…), after which nothing more comes from the events. A join or append does not
 * define its subsearch's fields here: the events may carry the same names, which overwrite=false would keep.
 * `open` is true when the events reach the end of the pipeline (no such command).
 */
export function eventFieldReads(p: Pipeline): { reads: Set<string>; open: boolean } {
  const reads = new Set<string>();
  const defined = new Set<string>();
  const read = (name: string) => {
    if (!defined.has(name) && !name.includes('*')) reads.add(name);
  };
  const readAll = (node: unknown) => {
    for (const n of referencedFieldNames(node as Pipeline)) read(n);
  };
  for (const c of p.commands) {
    switch (c.command) {
      case 'eval':
        for (const a of c.assignments) {
          readAll(a.expr);
          // `eval {key}=…` reads key to spell the name it assigns.
          dynamicTarget(a.target.name)?.fields.forEach(read);
          defined.add(a.target.name);
        }
        break;
      case 'rename':
        // The target is read too: rows without the source field keep their own value of it.
        for (const r of c.renames) {
          read(r.from.name);
          read(r.to.name);
          if (!r.to.name.includes('*')) defined.add(r.to.name);
        }
        break;
      case 'bin':
        read(c.field.name);
        if (c.as) defined.add(c.as.name);
        break;
      case 'convert':
        for (const v of c.conversions) {
          read(v.field.name);
          if (v.as) defined.add(v.as.name);
        }
        break;
      case 'rex':
        // Group fields are read too: a row the regex does not match keeps its previous values.
        read(c.options.find((o) => o.name.toLowerCase() === 'field')?.value ?? '_raw');
        for (const g of groupNames(c.regex)) {
          read(g);
          defined.add(g);
        }
        break;
      case 'eventstats':
      case 'streamstats':
        for (const o of c.options) {
          // reset_before/reset_after hold eval expressions (a bad one is reported when the command compiles).
          if (!/^reset_(before|after)$/i.test(o.name)) continue;
          try {
            readAll(optionExpr(o));
          } catch {
            continue;
          }
        }
        for (const a of c.aggregations) {
          readAll(a.arg);
          if (a.as) defined.add(a.as.name);
        }
        c.by.forEach((f) => read(f.name));
        break;
      case 'stats':
      case 'timechart':
      case 'tstats':
        for (const a of c.aggregations) readAll(a.arg);
        c.by.forEach((f) => read(f.name));
        readAll((c as { where?: unknown }).where);
        return { reads, open: false };
      case 'table':
        c.fields.forEach((f) => read(f.name));
        return { reads, open: false };
      case 'fields':
        if (c.mode === '+') {
          c.fields.forEach((f) => read(f.name));
          return { reads, open: false };
        }
        break;
      case 'top':
        c.fields.forEach((f) => read(f.name));
        c.by.forEach((f) => read(f.name));
        return { reads, open: false };
      case 'join':
        c.fields.forEach((f) => read(f.name));
        // Without a field list the keys are the fields both sides have (X6): any field the subsearch names
        // may be one, so the events must carry it too.
        if (c.fields.length === 0) readAll(c.subsearch);
        break;
      case 'append':
        break;
      case 'transaction':
        readAll(c);
        // A filter written as text is a search of its own: the fields it names are read too.
        for (const f of [c.startswith, c.endswith]) {
          if (f?.kind !== 'text') continue;
          try {
            readAll(valueSearch(f.kind, f.value));
          } catch {
            continue; // reported when the command compiles
          }
        }
        break;
      case 'chart':
      case 'fieldsummary':
      case 'xyseries':
      case 'untable':
      case 'map':
        readAll(c);
        return { reads, open: false };
      default:
        readAll(c);
    }
  }
  return { reads, open: true };
}

/** Commands after which the rows are the same multiset, whatever order the events arrived in. */
const ROW_WISE = new Set(['search', 'where', 'eval', 'bin', 'rename', 'fillnull', 'convert', 'fields', 'rex', 'spath', 'join', 'lookup', 'regex', 'makemv', 'nomv', 'fromjson', 'iplocation', 'replace', 'xmlkv']);

/** Aggregations whose result does not depend on the order of their input rows. */
const ORDER_FREE = /^(count|c|dc|distinct_count|estdc|values|sum|avg|mean|min|max|median|range|stdev|stdevp|var|varp|sumsq|(exact|upper)?perc\d+(\.\d+)?|p\d+(\.\d+)?)$/;

/**
 * Do the commands before index `end` (a field discovery point) depend on the order of events that share a
 * `_time`? The discovery reads a set of events: it needs D7's file-order tie-break only then.
 */
export function orderMattersBefore(p: Pipeline, end: number): boolean {
  return p.commands.slice(1, end).some((c) => !ROW_WISE.has(c.command));
}

/**
 * Can the result depend on the order of events that share a `_time` (D7 breaks such ties by file order, which
 * for NDJSON costs a line count: a single-threaded scan)? No when, before anything order-sensitive, a `stats`
 * (chart, timechart) with only order-free aggregations, or top, rare or fieldsummary, reduces the events (its
 * output is ordered by values). Conservative: yes for every other pipeline, including those whose events reach
 * the end.
 */
export function eventOrderMatters(p: Pipeline): boolean {
  for (const c of p.commands.slice(1)) {
    if (ROW_WISE.has(c.command)) continue;
    if (c.command === 'stats' || c.command === 'timechart' || c.command === 'chart') return !orderFree(c.aggregations);
    // Counts and summaries of values, whose rows come in value order.
    if (c.command === 'top' || c.command === 'rare' || c.command === 'fieldsummary') return false;
    return true;
  }
  return true;
}

/**
 * Does the command read every field of its rows, so that over raw events it needs field discovery
 * (sources/discover.ts)? A wildcard field list, `fields -` (it keeps all the others), fillnull without fields,
 * foreach over a wildcard.
 */
export function readsEveryField(c: Command): boolean {
  switch (c.command) {
    case 'foreach':
      return c.fields.some((f) => isWildcard(f.name)) && (c.options.find((o) => o.name.toLowerCase() === 'mode')?.value.toLowerCase() ?? 'multifield') === 'multifield';
    case 'table':
      return c.fields.some((f) => isWildcard(f.name));
    case 'fields':
      return c.mode === '-' || c.fields.some((f) => isWildcard(f.name));
    case 'rename':
      return c.renames.some((r) => isWildcard(r.from.name));
    case 'stats':
    case 'eventstats':
    case 'streamstats':
    case 'timechart':
      return c.aggregations.some((a) => a.arg?.kind === 'field' && isWildcard(a.arg.field.name));
    case 'convert':
      return c.conversions.some((v) => isWildcard(v.field.name));
    case 'fillnull':
      return c.fields.length === 0;
    case 'format':
    case 'untable':
      return true;
    case 'fieldsummary':
    case 'addtotals':
      return c.fields.length === 0 || c.fields.some((f) => isWildcard(f.name));
    default:
      return false;
  }
}

/** Commands after which no field comes from the events any more: they make new rows, or keep only named fields. */
function endsEvents(c: Command): boolean {
  const ending = ['stats', 'timechart', 'tstats', 'top', 'rare', 'table', 'makeresults', 'chart', 'xyseries', 'untable', 'fieldsummary', 'format', 'return', 'mvcombine', 'map'];
  return ending.includes(c.command) || (c.command === 'fields' && c.mode === '+');
}

/** Commands that write `_raw`, after which it is no longer the text of the event whose fields are wanted. */
function writesRaw(c: Command): boolean {
  const option = (options: { name: string; value: string }[], name: string) => options.find((o) => o.name.toLowerCase() === name)?.value;
  switch (c.command) {
    case 'eval':
      return c.assignments.some((a) => a.target.name === '_raw');
    case 'rename':
      return c.renames.some((r) => r.from.name === '_raw' || r.to.name === '_raw');
    case 'convert':
      return c.conversions.some((v) => (v.as?.name ?? v.field.name) === '_raw');
    case 'bin':
      return (c.as?.name ?? c.field.name) === '_raw';
    case 'rex':
      if (option(c.options, 'mode')?.toLowerCase() === 'sed') return (option(c.options, 'field') ?? '_raw') === '_raw';
      return groupNames(c.regex).includes('_raw');
    case 'spath':
      return option(c.options, 'output') === '_raw';
    case 'eventstats':
    case 'streamstats':
      return c.aggregations.some((a) => a.as?.name === '_raw');
    default:
      return false;
  }
}

/**
 * Where a pipeline's events are read for field discovery, as a command index (the discovery reads the rows that
 * command receives), or undefined when no command needs every field of the events. That is the first command
 * that reads every field (so rows a `where` or `head` dropped before it do not count) — or, if a join, an append,
 * an outputlookup or iplocation (whose rows are a table filled later) or a write to `_raw` comes first, that command: the rows
 * after it are no longer the events' own. For a subsearch whose events the outer pipeline reads whole
 * (`wantedAfter`), the end of the subsearch at the latest.
 */
export function discoveryPoint(p: Pipeline, wantedAfter: boolean): number | undefined {
  if (p.commands[0]?.command !== 'search') return undefined;
  let boundary: number | undefined;
  for (let i = 1; i < p.commands.length; i++) {
    const c = p.commands[i];
    if (readsEveryField(c)) return boundary ?? i;
    if (endsEvents(c)) return undefined;
    if (boundary === undefined && (['join', 'append', 'outputlookup', 'iplocation'].includes(c.command) || writesRaw(c))) boundary = i;
  }
  return wantedAfter ? (boundary ?? p.commands.length) : undefined;
}

/**
 * Does a command after index `i` read every field of the rows (before a command that ends the events)? `atEnd`:
 * whether whoever receives the pipeline's rows does (an outer pipeline, for a subsearch).
 */
export function everyFieldReadAfter(p: Pipeline, i: number, atEnd: boolean): boolean {
  for (const c of p.commands.slice(i + 1)) {
    if (readsEveryField(c)) return true;
    if (endsEvents(c)) return false;
  }
  return atEnd;
}

/** Whether aggregations give the same result whatever the order of their input rows. */
export const orderFree = (aggregations: Aggregation[]): boolean => aggregations.every((a) => ORDER_FREE.test(a.func));
