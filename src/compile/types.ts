// Static shapes of values as the compiler tracks them, command by command.
//
//   num  – DOUBLE (results of arithmetic, count, tonumber…)
//   str  – VARCHAR; Splunk treats a string that looks like a number as a number where it matters
//   mv   – VARCHAR[] (multivalue; one element behaves like a single value, none is null)
//   bool – only inside conditions (where, if, case…): Splunk does not let an eval field hold a boolean

export type ValueType = 'num' | 'str' | 'mv' | 'bool';

export interface TypedSql {
  sql: string;
  type: ValueType;
}

export type FieldType = Exclude<ValueType, 'bool'>;

export interface Field {
  /** The Splunk field name (case-sensitive). */
  name: string;
  /** The SQL column holding it (unique case-insensitively across the whole query; DuckDB folds case). */
  column: string;
  type: FieldType;
  /**
   * A field the query names that no event has, as field discovery found: it reads as null like any missing
   * field, and wildcards pass it by (they select the fields the events have).
   */
  absent?: boolean;
}
