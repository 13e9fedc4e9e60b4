// eventtypes.conf and tags.conf in searches. As Splunk normalizes a search, `eventtype=X` becomes X's search
// expression and `tag=T` (or `tag::field=T`) becomes the field=value pairs and event types tagged T — so they
// work wherever the search runs over events, prune sources like any `sourcetype=` term, and read only the
// fields they need. An event type's search may use macros, other event types and tags. An undefined event type
// matches nothing, as in Splunk, with a warning. The `eventtype` and `tag` fields themselves (what `stats
// values(tag)` reads) are computed from the same expressions (see knowledgeFields in compile/commands/search.ts).

import type * as A from '../ast/ast.ts';
import { respan, searchSubsearches } from '../ast/walk.ts';
import type { CompileContext } from '../compile/context.ts';
import { referencedFieldNames } from '../compile/collect.ts';
import { searchValueMatches } from '../compile/search.ts';
import type { Span } from '../errors.ts';
import { parsePipeline, SyntaxProblem } from '../../grammar/index.ts';
import { errorAt, expandMacros, type MacroLibrary } from '../macros/index.ts';
import type { Knowledge } from './bundle.ts';
import { confBoolean, confError } from './conf.ts';

interface EventtypeDefinition {
  name: string;
  search: string | undefined;
  origin: string;
  /** 1 (highest) to 10; event types without one are listed after those with one. */
  priority: number | undefined;
}

interface TagPair {
  field: string;
  value: string;
  tags: string[];
}

/** Commands after which the rows are no longer raw events: later `eventtype=` terms compare the field. */
const TRANSFORMING = new Set(['stats', 'timechart', 'tstats', 'table', 'top', 'rare']);

/** Commands that start a pipeline with events. */
const EVENT_SOURCES = new Set(['search', 'from', 'datamodel']);

/** `NOT *`: what an undefined event type or an unused tag matches (nothing). */
const nothing = (span: Span): A.SearchExpr => ({ kind: 'not', expr: { kind: 'term', value: { text: '*', quoted: false, span }, span }, span });

export class SearchKnowledge {
  private readonly eventtypes = new Map<string, EventtypeDefinition>();
  private readonly pairs: TagPair[] = [];
  /** Event type expressions already parsed (with their own spans). */
  private readonly parsed = new Map<string, A.SearchExpr>();

  constructor(
    private readonly k: Knowledge,
    /** The query's macros (event type searches, and map's searches, expand with them). */
    readonly macros: MacroLibrary,
    private readonly ctx: CompileContext,
  ) {
    for (const s of k.eventtypes.stanzas()) {
      const disabled = s.settings.get('disabled');
      if (disabled && confBoolean(disabled, 'disabled')) continue;
      const p = s.settings.get('priority')?.value.trim();
      this.eventtypes.set(s.name, { name: s.name, search: s.settings.get('search')?.value, origin: s.origin, priority: p && /^\d+$/.test(p) ? Number(p) : undefined });
      const tags = s.settings.get('tags')?.value.split(/[\s,]+/).filter(Boolean) ?? [];
      if (tags.length > 0) this.addPair('eventtype', s.name, tags);
    }
    for (const s of k.tags.stanzas()) {
      const eq = s.name.indexOf('=');
      if (eq <= 0) throw confError('knowledge_error', s.origin, `a tags.conf stanza is [field=value], found [${s.name}]`);
      const enabled: string[] = [];
      for (const [tag, setting] of s.settings) {
        const v = setting.value.trim().toLowerCase();
        if (v === 'enabled') enabled.push(tag);
        else if (v !== 'disabled') throw confError('knowledge_error', setting.origin, `tag ${tag} must be enabled or disabled, found \`${setting.value}\``);
      }
      this.addPair(s.name.slice(0, eq), urlDecode(s.name.slice(eq + 1)), enabled);
    }
  }

  private addPair(field: string, value: string, tags: string[]): void {
    const pair = this.pairs.find((p) => p.field === field && p.value === value);
    if (pair) pair.tags = [...new Set([...pair.tags, ...tags])];
    else this.pairs.push({ field, value, tags: [...new Set(tags)] });
  }

  /** The pipeline with eventtype=/tag= terms of the searches over events replaced by what they stand for. */
  expandPipeline(p: A.Pipeline): A.Pipeline {
    if (!mentionsKnowledge(p)) return p;
    let onEvents = true;
    const commands = p.commands.map((c, i) => {
      let out: A.Command = c;
      if (c.command === 'search' && c.expr && onEvents) out = { ...c, expr: this.expand(c.expr, []) };
      else if (c.command === 'join' || c.command === 'append') out = { ...c, subsearch: this.expandPipeline(c.subsearch) };
      if (out.command === 'search' && out.expr) out = { ...out, expr: this.expandSubsearches(out.expr) };
      // Generating commands other than search (makeresults, inputlookup…) start with rows that are not events;
      // `from datamodel:` and `datamodel … search` start with a dataset's events.
      if (TRANSFORMING.has(c.command) || (c.command === 'fields' && c.mode === '+') || (i === 0 && !EVENT_SOURCES.has(c.command))) onEvents = false;
      return out;
    });
    return { ...p, commands };
  }

  private expandSubsearches(e: A.SearchExpr): A.SearchExpr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, items: e.items.map((x) => this.expandSubsearches(x)) };
      case 'not':
        return { ...e, expr: this.expandSubsearches(e.expr) };
      case 'subsearch':
        return { ...e, pipeline: this.expandPipeline(e.pipeline) };
      default:
        return e;
    }
  }

  /** Replaces eventtype=, tag= and tag::field= terms; `chain` holds the event types being expanded (cycles). */
  private expand(e: A.SearchExpr, chain: string[]): A.SearchExpr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, items: e.items.map((x) => this.expand(x, chain)) };
      case 'not':
        return { ...e, expr: this.expand(e.expr, chain) };
      case 'compare':
        return e.op === '=' ? (this.term(e.field.name, e.value, e.span, chain) ?? e) : e;
      case 'in': {
        if (!isKnowledgeField(e.field.name)) return e;
        const items = e.values.map((v) => this.term(e.field.name, v, e.span, chain)!);
        return items.length === 0 ? nothing(e.span) : { kind: 'or', items, span: e.span };
      }
      default:
        return e;
    }
  }

  private term(field: string, value: A.SearchValue, span: Span, chain: string[]): A.SearchExpr | undefined {
    if (field === 'eventtype') return this.eventtypeTerm(value, span, chain);
    if (field === 'tag') return this.tagTerm(undefined, value, span, chain);
    if (field.startsWith('tag::')) return this.tagTerm(field.slice(5), value, span, chain);
    return undefined;
  }

  private eventtypeTerm(value: A.SearchValue, span: Span, chain: string[]): A.SearchExpr {
    const names = [...this.eventtypes.keys()].filter((n) => searchValueMatches(n, value.text));
    if (names.length === 0) {
      this.ctx.warn(`eventtype '${value.text}' is not defined in the loaded knowledge bundles: it matches nothing, as in Splunk`, value.span);
      return nothing(span);
    }
    const items = names.map((n) => this.eventtypeExpr(n, span, chain));
    return items.length === 1 ? items[0] : { kind: 'or', items, span };
  }

  /** One event type's search, expanded, with every span at the term that used it. */
  private eventtypeExpr(name: string, span: Span, chain: string[]): A.SearchExpr {
    const def = this.eventtypes.get(name)!;
    if (chain.includes(name)) {
      throw confError('knowledge_error', def.origin, `eventtype ${name} refers to itself (${[...chain, name].join(' → ')})`);
    }
    return respan(this.expand(this.definition(def), [...chain, name]), span);
  }

  private definition(def: EventtypeDefinition): A.SearchExpr {
    const cached = this.parsed.get(def.name);
    if (cached) return cached;
    if (!def.search?.trim()) throw confError('knowledge_error', def.origin, `eventtype ${def.name} has no search`);
    const expr = this.parseSearch(def.search, def.origin, `eventtype ${def.name}`);
    this.parsed.set(def.name, expr);
    return expr;
  }

  /** A knowledge object's search: macros expanded (with the query's library), parsed, one search without pipes. */
  private parseSearch(text: string, origin: string, what: string): A.SearchExpr {
    const exp = expandMacros(text, this.macros);
    let p: A.Pipeline;
    try {
      p = parsePipeline(exp.text);
    } catch (e) {
      if (e instanceof SyntaxProblem) throw errorAt(exp, 'knowledge_error', `in ${what}: ${e.message}`, e.span, e.hint).withFile(origin);
      throw e;
    }
    const only = p.commands[0];
    if (p.commands.length !== 1 || only.command !== 'search' || !only.expr || searchSubsearches(only.expr).length > 0) {
      throw confError('knowledge_error', origin, `${what}: the search must be one search without pipes or subsearches`);
    }
    return only.expr;
  }

  /**
   * A search written in a knowledge object (a data model constraint), as a term of the query at `span`: parsed
   * with the query's macros, its eventtype=/tag= terms expanded, every span at `span`.
   */
  searchAt(text: string, origin: string, what: string, span: Span): A.SearchExpr {
    return respan(this.expand(this.parseSearch(text, origin, what), []), span);
  }

  private tagTerm(field: string | undefined, value: A.SearchValue, span: Span, chain: string[]): A.SearchExpr {
    const pairs = this.pairs.filter((p) => (field === undefined || p.field === field) && p.tags.some((t) => searchValueMatches(t, value.text)));
    if (pairs.length === 0) {
      this.ctx.warn(`no ${field === undefined ? 'field value' : `value of ${field}`} is tagged '${value.text}' in the loaded knowledge bundles: the term matches nothing`, value.span);
      return nothing(span);
    }
    const items = pairs.map((p) => this.pairExpr(p, span, chain));
    return items.length === 1 ? items[0] : { kind: 'or', items, span };
  }

  private pairExpr(p: TagPair, span: Span, chain: string[]): A.SearchExpr {
    const value = { text: p.value, quoted: true, span };
    if (p.field === 'eventtype') return this.eventtypeTerm(value, span, chain);
    return { kind: 'compare', field: { name: p.field, span }, op: '=', value, span };
  }

  /** Defined event types with their expanded searches, in the order the `eventtype` field lists them. */
  eventtypeConditions(span: Span): Array<{ name: string; expr: A.SearchExpr }> {
    const defs = [...this.eventtypes.values()].sort(
      (a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return defs.map((d) => ({ name: d.name, expr: this.eventtypeExpr(d.name, span, []) }));
  }

  /** The fields event types and tags can give an event: `eventtype`, `tag`, `tag::field` (for field discovery). */
  fieldNames(): string[] {
    const tagged = this.pairs.filter((p) => p.tags.length > 0);
    const tags = tagged.length > 0 ? ['tag', ...new Set(tagged.map((p) => `tag::${p.field}`))] : [];
    return [...(this.eventtypes.size > 0 ? ['eventtype'] : []), ...tags];
  }

  /** The field=value pairs that carry tags (of `field` only, for `tag::field`), with their expanded searches. */
  tagConditions(span: Span, field?: string): Array<{ tags: string[]; expr: A.SearchExpr }> {
    return this.pairs.filter((p) => p.tags.length > 0 && (field === undefined || p.field === field)).map((p) => ({ tags: p.tags, expr: this.pairExpr(p, span, []) }));
  }
}

/** `eventtype`, `tag` and `tag::field`: fields the knowledge layer computes. */
export const isKnowledgeField = (name: string): boolean => name === 'eventtype' || name === 'tag' || name.startsWith('tag::');

function mentionsKnowledge(p: A.Pipeline): boolean {
  return [...referencedFieldNames(p)].some(isKnowledgeField);
}

/** tags.conf values are URL-encoded when they hold `=`, brackets or line breaks. */
function urlDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
