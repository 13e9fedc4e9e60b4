// The only way user-controlled text reaches SQL: every literal and identifier goes through these functions.

/**
 * A SQL string literal. DuckDB strings have no backslash escapes; a quote is doubled. NUL cannot appear in SQL
 * text (the statement would end there), so a value holding one is spelled with chr(0): a constant expression.
 */
export function sqlString(value: string): string {
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  if (!value.includes('\0')) return literal(value);
  return `(${value.split('\0').map(literal).join(" || chr(0) || ")})`;
}

/** A quoted SQL identifier (`"Item.Subject"`). NUL cannot be spelled in one: it is dropped from the name. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/\0/g, '').replace(/"/g, '""')}"`;
}

/** A numeric literal; non-finite numbers become NULL (Splunk: division by zero is null). */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) return 'NULL';
  // All eval numbers are DOUBLE (Splunk computes in double precision); a bare `1.5` would be a DECIMAL.
  return `${n}::DOUBLE`;
}

/** A list of SQL string literals. */
export function sqlStringList(values: string[]): string {
  return `[${values.map(sqlString).join(', ')}]::VARCHAR[]`;
}

/** A `-- comment` line holding user text (the SPL a CTE compiles): no line break or NUL can end it early. */
export function sqlComment(text: string): string {
  return `-- ${text.replace(/\0/g, '').replace(/[\r\n\u2028\u2029\u0085\v\f]+/g, ' ')}`;
}
