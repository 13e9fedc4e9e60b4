// The only way user-controlled text reaches SQL: every literal and identifier goes through these functions.

/** A SQL string literal. DuckDB strings have no backslash escapes; a quote is doubled. NUL cannot appear in SQL text. */
export function sqlString(value: string): string {
  return `'${value.replace(/\0/g, '').replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier (`"Item.Subject"`). */
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
