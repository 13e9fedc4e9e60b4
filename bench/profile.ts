// DuckDB's JSON query profile (PRAGMA enable_profiling = 'json') as a readable operator tree, and the operators
// that took the most time: what RESULTS.md's analysis of the compiled SQL against the hand-written SQL rests on.

export interface ProfileNode {
  operator_name?: string;
  operator_type?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  latency?: number;
  cpu_time?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

const INFO_KEYS = ['Function', 'Filters', 'Join Type', 'Conditions', 'Groups', 'Aggregates', 'Projections', 'Order By', 'Expressions', 'Table', 'Text'];

/** The operator's most telling detail (its projections, filters, groups…), on one line, cut to `width`. */
export function operatorDetail(node: ProfileNode, width = 240): string {
  const info = node.extra_info ?? {};
  const parts: string[] = [];
  for (const k of INFO_KEYS) {
    const v = info[k];
    if (v === undefined || v === '') continue;
    parts.push(`${k}: ${Array.isArray(v) ? v.join(' | ') : String(v)}`);
  }
  const s = parts.join('; ').replace(/\s+/g, ' ');
  return s.length > width ? s.slice(0, width - 1) + '…' : s;
}

/** Every operator with its own time (seconds, summed over threads) and output rows. */
export function operators(root: ProfileNode): Array<{ name: string; seconds: number; rows: number; detail: string; depth: number }> {
  const out: Array<{ name: string; seconds: number; rows: number; detail: string; depth: number }> = [];
  const walk = (n: ProfileNode, depth: number) => {
    if (n.operator_name) out.push({ name: n.operator_name.trim(), seconds: n.operator_timing ?? 0, rows: n.operator_cardinality ?? 0, detail: operatorDetail(n), depth });
    for (const c of n.children ?? []) walk(c, n.operator_name ? depth + 1 : depth);
  };
  walk(root, 0);
  return out;
}

export function renderProfile(root: ProfileNode): string {
  const ops = operators(root);
  const total = ops.reduce((s, o) => s + o.seconds, 0);
  const lines = [`latency ${(root.latency ?? 0).toFixed(3)} s, operator time ${total.toFixed(3)} s (summed over threads)`, ''];
  for (const o of ops) {
    lines.push(`${'  '.repeat(o.depth)}${o.name}  ${o.seconds.toFixed(3)} s  ${o.rows.toLocaleString('en-US')} rows  ${o.detail}`);
  }
  return lines.join('\n') + '\n';
}
