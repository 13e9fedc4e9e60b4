// Using an expression's SQL more than once without writing it more than once.
//
// Many translations need an operand twice or more (`CASE WHEN x >= 0 THEN sqrt(x) END`). Pasting the operand's
// text each time makes the SQL grow exponentially with nesting: `sqrt(sqrt(…))` 40 deep, or a chain of 30 `+`
// over text fields, would be gigabytes (a RangeError in the compiler, or a DuckDB that never finishes binding).
// A long operand is therefore bound once, as the parameter of a lambda over a one-element list:
//
//   list_transform([<operand>], lambda dh_o_1a2b3c4d: <body using dh_o_1a2b3c4d>)[1]
//
// DuckDB evaluates the list (the operand) once per row; the body refers to it by name. (A DuckDB macro would not
// help: its parameters are substituted as copies.) Short operands — a column, a literal, a small conversion — are
// pasted as before, so the SQL of ordinary queries does not change.

/** Operands up to this many characters are repeated; longer ones are bound once. */
const REPEAT_MAX = 64;

/** `body(ref)` where `ref` stands for `sql`, evaluated once. */
export function once(sql: string, body: (ref: string) => string): string {
  return sql.length <= REPEAT_MAX ? body(sql) : bound(sql, body);
}

function bound(sql: string, body: (ref: string) => string): string {
  // The name depends only on the operand's text, so compiling is deterministic; a nested binding of a
  // different operand gets a different name (FNV-1a), and one of the same text in the same scope is the same value.
  const name = `dh_o_${fnv1a(sql)}`;
  return `list_transform([${sql}], lambda ${name}: ${body(name)})[1]`;
}

/** once() over several operands. */
export function onceAll(sqls: string[], body: (refs: string[]) => string): string {
  const bind = (i: number, refs: string[]): string => (i === sqls.length ? body(refs) : once(sqls[i], (r) => bind(i + 1, [...refs, r])));
  return bind(0, []);
}

/**
 * A call of a prelude macro (prelude.ts). DuckDB substitutes a macro's parameters as copies, and most prelude
 * macros use theirs more than once, so an operand that is long or holds a macro call is bound once first:
 * otherwise nested calls, short as their SQL is, cost DuckDB exponential time to bind (tostring(…, "hex") 14
 * deep took two minutes, tonumber() 20 deep never finished).
 */
export function macroCall(name: string, ...args: string[]): string {
  const call = (i: number, refs: string[]): string => {
    if (i === args.length) return `${name}(${refs.join(', ')})`;
    // Short text can still expand hugely when it holds a macro call itself (dh_num(dh_str(dh_num(…))).
    const copy = args[i].length <= REPEAT_MAX && !MACRO_CALL.test(args[i]);
    return copy ? call(i + 1, [...refs, args[i]]) : bound(args[i], (r) => call(i + 1, [...refs, r]));
  };
  return call(0, []);
}

const MACRO_CALL = /\bdh_[a-z0-9]+\(/;

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
