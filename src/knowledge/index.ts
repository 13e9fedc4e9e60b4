// The knowledge layer: Splunk knowledge objects (props, eventtypes, tags, lookups, macros) loaded from bundles
// and consulted by the compiler. Stages: bundle directories → Knowledge (bundle.ts, once per run) → lookup
// headers described by the engine (Engine.describeLookups) → compile: event types and tags expanded in searches
// (eventtypes.ts), props applied where events are made (props.ts), lookups joined (lookups.ts).

import type { Command, Pipeline } from '../ast/ast.ts';
import type { SourceBinding } from '../sources/catalog.ts';
import type { Knowledge } from './bundle.ts';
import { datamodelLookups } from './datamodels.ts';
import { autoLookupTables } from './props.ts';

export { builtInKnowledge, Knowledge, knowledgeFromConfig, loadKnowledge, type KnowledgeOptions } from './bundle.ts';
export { propsFields, withFormatProps, withTimeProps } from './props.ts';

/**
 * The lookup tables a query may read: its lookup/inputlookup commands, its lookup() eval calls, and the bound
 * sources' automatic lookups.
 */
export function lookupsToDescribe(ast: Pipeline, k: Knowledge, bindings: SourceBinding[]): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.command === 'string' && isLookupCommand(o as unknown as Command)) names.add((o as { table: string }).table);
    // A data model's Lookup calculations (which of them a dataset applies is known only when it compiles).
    if (o.command === 'tstats' || o.command === 'from' || o.command === 'datamodel') for (const t of datamodelLookups(k)) names.add(t);
    const args = o.args as Array<{ kind: string; value?: unknown }> | undefined;
    if (o.kind === 'call' && o.name === 'lookup' && args?.[0]?.kind === 'string') names.add(String(args[0].value));
    for (const v of Object.values(o)) visit(v);
  };
  visit(ast);
  for (const b of bindings) for (const t of autoLookupTables(k, b)) names.add(t);
  return names;
}

/** Every lookup table the knowledge defines (for `check`, which compiles many queries without running them). */
export function allLookups(k: Knowledge): string[] {
  return [...k.transforms.names().filter((n) => k.transforms.get(n)!.settings.has('filename')), ...k.lookupFiles.keys()];
}

const isLookupCommand = (c: Command): c is Extract<Command, { command: 'lookup' | 'inputlookup' }> => c.command === 'lookup' || c.command === 'inputlookup';
