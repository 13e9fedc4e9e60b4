// The field names a query mentions anywhere. Event scans extract exactly these from the JSON, so a field is
// available wherever the query names it (including after joins), and nothing else is parsed.

import type { Pipeline } from '../ast/ast.ts';

/** Per command, the options that name a field to read. */
const FIELD_OPTIONS: Record<string, string[]> = { rex: ['field'] };

export function referencedFieldNames(p: Pipeline): Set<string> {
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
    if ((isFieldRef || o.kind === 'field') && typeof o.name === 'string' && !o.name.includes('*')) names.add(o.name);
    // Options whose value is a field name (`rex field=msg`) are plain text in the AST, not field references.
    const fieldOptions = typeof o.command === 'string' ? FIELD_OPTIONS[o.command] : undefined;
    if (fieldOptions && Array.isArray(o.options)) {
      for (const opt of o.options as Array<{ name: string; value: string }>) {
        if (fieldOptions.includes(opt.name.toLowerCase()) && !opt.value.includes('*')) names.add(opt.value);
      }
    }
    for (const k of keys) if (k !== 'span' && k !== 'nameSpan') visit(o[k]);
  };
  visit(p);
  return names;
}
