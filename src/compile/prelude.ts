// SQL macros every compiled query may use. They are created once per DuckDB connection (DuckDB inlines macros,
// so they cost nothing at run time) and `duckhunt compile --prelude` prints them, so the SQL can be re-run by hand.

export const PRELUDE_MACROS: ReadonlyArray<{ name: string; sql: string; doc: string }> = [
  {
    name: 'dh_num',
    doc: 'a string as Splunk reads a number: decimal, optional sign, fraction and exponent; anything else is null',
    sql: `CREATE OR REPLACE MACRO dh_num(s) AS CASE WHEN regexp_full_match(s, '[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?') THEN CAST(s AS DOUBLE) END`,
  },
  {
    name: 'dh_str',
    doc: 'a number as Splunk prints it: integers without a decimal point, others in shortest round-trip form',
    sql: `CREATE OR REPLACE MACRO dh_str(x) AS CASE WHEN x IS NULL OR isnan(x) OR isinf(x) THEN CASE WHEN isnan(x) THEN 'nan' WHEN x > 0 THEN 'inf' WHEN x < 0 THEN '-inf' END WHEN x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR) ELSE CAST(x AS VARCHAR) END`,
  },
  {
    name: 'dh_mv',
    doc: 'a list as a multivalue field: no values is null',
    sql: `CREATE OR REPLACE MACRO dh_mv(l) AS CASE WHEN len(l) > 0 THEN l END`,
  },
  {
    name: 'dh_single',
    doc: 'decision D1: a multivalue argument to a single-value function is used when it holds one value, else null',
    sql: `CREATE OR REPLACE MACRO dh_single(l) AS CASE WHEN len(l) = 1 THEN l[1] END`,
  },
  {
    name: 'dh_leaf',
    doc: 'a JSON value as a Splunk field: scalars as text, objects and arrays are not fields (null)',
    sql: `CREATE OR REPLACE MACRO dh_leaf(j) AS CASE WHEN json_type(j) NOT IN ('OBJECT', 'ARRAY') THEN json_extract_string(j, '$') END`,
  },
  {
    name: 'dh_scalar',
    doc: 'the JSON text of a value as a Splunk field: a string unquoted, a number or boolean as written; objects, arrays and null are not fields (null)',
    sql: `CREATE OR REPLACE MACRO dh_scalar(j) AS CASE WHEN starts_with(j, '"') THEN json_extract_string(j, '$') WHEN regexp_matches(j, '^[{[n]') THEN NULL ELSE CAST(j AS VARCHAR) END`,
  },
  {
    name: 'dh_scalars',
    doc: 'the values of a list of JSON values: its scalars as text, in order (decision X37)',
    sql: `CREATE OR REPLACE MACRO dh_scalars(l) AS list_filter(list_transform(l, lambda dh_e: dh_scalar(dh_e)), lambda dh_e: dh_e IS NOT NULL)`,
  },
  {
    name: 'dh_respelled',
    doc: "whether DuckDB's JSON functions may have respelled a number of the line (1.50 → 1.5, 1E5 → 100000.0, -0 → 0; decision X35)",
    sql: `CREATE OR REPLACE MACRO dh_respelled(j, line) AS regexp_matches(j, '^-?[0-9]+[.eE]') OR (j = '0' AND contains(line, '-0'))`,
  },
  {
    name: 'dh_json_text',
    doc: "a json_value result as a Splunk field's text: a string unquoted, a number as written in the line (read again from the line with its numbers quoted when DuckDB may have respelled it; path: where)",
    sql: `CREATE OR REPLACE MACRO dh_json_text(j, line, path) AS CASE WHEN starts_with(j, '"') THEN json_extract_string(j, '$') WHEN dh_respelled(j, line) THEN json_extract_string(dh_quote_numbers(line), path) ELSE CAST(j AS VARCHAR) END`,
  },
  {
    name: 'dh_quote_numbers',
    doc: 'a JSON line with every number written as a string, so that JSON functions return its text as written',
    // Tokens: a string, a number, or a run of anything else (outside strings only numbers hold digits or '-').
    sql: `CREATE OR REPLACE MACRO dh_quote_numbers(line) AS array_to_string(list_transform(regexp_extract_all(line, '"(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*|[^"0-9-]+'), lambda dh_t: CASE WHEN regexp_matches(dh_t, '^-?[0-9]') THEN '"' || dh_t || '"' ELSE dh_t END), '')`,
  },
  {
    name: 'dh_ipv4',
    doc: 'a dotted IPv4 address as a number (a.b.c.d → a·2^24 + …); anything else, including octets over 255, is null',
    // The CASE guards the casts: DuckDB evaluates both sides of AND, so a plain AND would cast 'not-an-ip'.
    sql: `CREATE OR REPLACE MACRO dh_ipv4(s) AS CASE WHEN regexp_full_match(s, '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}') THEN list_reduce(list_transform(string_split(s, '.'), lambda o: TRY_CAST(o AS BIGINT)), lambda a, b: a * 256 + b) END`,
  },
  {
    name: 'dh_ipv6_part',
    doc: 'the hex groups of one side of an IPv6 address (before or after its ::)',
    sql: `CREATE OR REPLACE MACRO dh_ipv6_part(p) AS CASE WHEN p = '' THEN []::VARCHAR[] ELSE string_split(p, ':') END`,
  },
  {
    name: 'dh_ipv6_groups',
    doc: 'the hex groups of an IPv6 address with its :: expanded to zero groups (eight when it is one)',
    sql: `CREATE OR REPLACE MACRO dh_ipv6_groups(s) AS CASE WHEN contains(s, '::') THEN list_concat(dh_ipv6_part(split_part(s, '::', 1)), list_transform(range(greatest(0, 8 - len(dh_ipv6_part(split_part(s, '::', 1))) - len(dh_ipv6_part(split_part(s, '::', 2))))), lambda z: '0'), dh_ipv6_part(split_part(s, '::', 2))) ELSE string_split(s, ':') END`,
  },
  {
    name: 'dh_ipv6',
    doc: 'an IPv6 address (hex groups, at most one ::; no zone or embedded IPv4) as a 128-bit number; anything else is null',
    // The CASE guards the lambdas, which would otherwise see groups that are not hex.
    sql: `CREATE OR REPLACE MACRO dh_ipv6(s) AS CASE WHEN regexp_full_match(s, '[0-9A-Fa-f:]+') AND len(string_split(s, '::')) <= 2 AND len(dh_ipv6_groups(s)) = 8 AND list_bool_and(list_transform(dh_ipv6_groups(s), lambda g: regexp_full_match(g, '[0-9A-Fa-f]{1,4}'))) THEN list_reduce(list_transform(dh_ipv6_groups(s), lambda g: list_reduce(list_transform(string_split(lower(g), ''), lambda h: CAST(strpos('0123456789abcdef', h) - 1 AS UHUGEINT)), lambda a, b: a * 16 + b)), lambda a, b: a * 65536 + b) END`,
  },
  {
    name: 'dh_cidr_size',
    doc: 'the number of addresses of an IPv4 CIDR block ("10.0.0.0/8"; a bare address is /32); null when it is not one',
    sql: `CREATE OR REPLACE MACRO dh_cidr_size(c) AS CASE WHEN dh_ipv4(split_part(c, '/', 1)) IS NOT NULL AND regexp_full_match(c, '[^/]*(?:/(?:3[0-2]|[12]?[0-9]))?') THEN CAST(pow(2, 32 - coalesce(TRY_CAST(nullif(split_part(c, '/', 2), '') AS INTEGER), 32)) AS BIGINT) END`,
  },
  {
    name: 'dh_cidr_first',
    doc: 'the first address of an IPv4 CIDR block, as a number (see dh_ipv4)',
    sql: `CREATE OR REPLACE MACRO dh_cidr_first(c) AS (dh_ipv4(split_part(c, '/', 1)) // dh_cidr_size(c)) * dh_cidr_size(c)`,
  },
  {
    name: 'dh_cidr_last',
    doc: 'the last address of an IPv4 CIDR block, as a number (see dh_ipv4)',
    sql: `CREATE OR REPLACE MACRO dh_cidr_last(c) AS dh_cidr_first(c) + dh_cidr_size(c) - 1`,
  },
  {
    name: 'dh_eq',
    doc: 'Splunk equality of two strings: numerically when both look like numbers, else exactly',
    sql: `CREATE OR REPLACE MACRO dh_eq(a, b) AS CASE WHEN dh_num(a) IS NOT NULL AND dh_num(b) IS NOT NULL THEN dh_num(a) = dh_num(b) ELSE a = b END`,
  },
  {
    name: 'dh_cmp',
    doc: 'Splunk ordering of two strings: -1/0/1, numerically when both look like numbers, else by bytes',
    sql: `CREATE OR REPLACE MACRO dh_cmp(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN dh_num(a) IS NOT NULL AND dh_num(b) IS NOT NULL THEN sign(dh_num(a) - dh_num(b)) WHEN a < b THEN -1 WHEN a > b THEN 1 ELSE 0 END`,
  },
];

export const preludeSql = (): string => PRELUDE_MACROS.map((m) => `-- ${m.name}: ${m.doc}\n${m.sql};`).join('\n');
