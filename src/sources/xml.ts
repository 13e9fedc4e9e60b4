// Windows event XML (sourcetype XmlWinEventLog): one `<Event>` record per event, as Windows event collection
// writes it — usually one line, but a value may hold line breaks, so a record runs from a line starting with
// `<Event` to one ending with `</Event>` (records.ts). Fields are named as the Splunk Add-on for Microsoft Windows
// names them (security_content's data_sources/*.yml list them per event code):
//   - each System element by its tag (EventID, Version, Level, Task, Opcode, Keywords, EventRecordID, Channel,
//     Computer) and each System attribute by its name (Name and Guid of Provider, SystemTime, ActivityID,
//     ProcessID, ThreadID, UserID, Qualifiers…); EventCode is EventID and RecordNumber is EventRecordID;
//   - each `<Data Name='X'>` as field X (a name repeated within an event is multivalue), unnamed `<Data>` values
//     as field Data, and the leaf elements of UserData by their tags;
//   - System_Props_Xml and EventData_Xml hold the sections' XML.
// Values are the text between the tags as it stands in `_raw`, without the white space around it (Windows
// renders some values with line breaks and tabs around them): XML entities are not decoded, as Splunk's regex
// extractions do not decode them; an empty value is no value (decision X83).
//
// Extraction is SQL over the record text (RE2 in DuckDB, one expression per field the query reads), like the
// JSON scan, rather than a JavaScript XML parser: the events never leave DuckDB, and only the fields a query
// names are read (see README, "Input formats", for the measurement).

import { sqlString } from '../sql/quote.ts';

/** System elements whose text is a field of the same name. */
const SYSTEM_ELEMENTS = new Set(['EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'EventRecordID', 'Channel', 'Computer']);
/** System attributes (of Provider, EventID, TimeCreated, Correlation, Execution, Security) that are fields. */
const SYSTEM_ATTRIBUTES = new Set(['Name', 'Guid', 'EventSourceName', 'Qualifiers', 'SystemTime', 'ActivityID', 'RelatedActivityID', 'ProcessID', 'ThreadID', 'UserID']);
/** Names the Windows add-on gives System fields besides their own. */
const SYSTEM_ALIASES: Record<string, string> = { EventCode: 'EventID', RecordNumber: 'EventRecordID' };
/** Fields holding a section's XML. */
const SECTIONS: Record<string, string> = { System_Props_Xml: 'System', EventData_Xml: 'EventData' };

/** The field unnamed `<Data>` elements go to (decision X83). */
export const UNNAMED_DATA = 'Data';

/** The time of an XML event: TimeCreated's SystemTime (ISO-8601, UTC). */
export const XML_TIME_FIELD = 'SystemTime';

/** White space around a value: spaces, tabs and line breaks. */
const WHITE = `' ' || chr(9) || chr(10) || chr(13)`;

const reEscape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** RE2 for an element named `name` holding only text (group 1: the text): `<name attr…>text</name>`. */
export const textElementPattern = (name: string): string => `<${reEscape(name)}(?:\\s[^>]*)?>([^<]*)</${reEscape(name)}>`;

/**
 * The record up to the end of its System section (`_raw`), computed once per event when a System field is read:
 * attributes such as Name are looked for there only (Data elements have a Name too). A string function, not a
 * regex: `<System>([\s\S]*?)</System>` costs 50 µs per event, this 1 µs.
 */
export const SYSTEM_SECTION = `left(_raw, strpos(_raw, '</System>'))`;

/** Whether a field is read from the System section (the scan then computes the section once, as `sys`). */
export const isSystemField = (name: string): boolean => SYSTEM_ELEMENTS.has(SYSTEM_ALIASES[name] ?? name) || SYSTEM_ATTRIBUTES.has(name);

/**
 * SQL for one field of an XML event, over `_raw` and the System section `sys`. `multivalue` (the name repeats
 * within some event: Engine.describeSources) gives a list, else the first value.
 */
export function xmlFieldSql(name: string, multivalue: boolean, sys: string): string {
  const nonEmpty = (sql: string) => `nullif(trim(${sql}, ${WHITE}), '')`;
  const system = SYSTEM_ALIASES[name] ?? name;
  if (SYSTEM_ELEMENTS.has(system)) {
    return nonEmpty(`regexp_extract(${sys}, ${sqlString(textElementPattern(system))}, 1)`);
  }
  if (SYSTEM_ATTRIBUTES.has(name)) {
    return nonEmpty(`regexp_extract(${sys}, ${sqlString(`\\s${reEscape(name)}\\s*=\\s*['"]([^'"]*)['"]`)}, 1)`);
  }
  if (SECTIONS[name]) return nonEmpty(`regexp_extract(_raw, ${sqlString(`<${SECTIONS[name]}>([\\s\\S]*?)</${SECTIONS[name]}>`)}, 1)`);
  const data =
    name === UNNAMED_DATA
      ? `'<Data>([^<]*)</Data>'`
      : sqlString(`<Data\\s+Name\\s*=\\s*['"]${reEscape(name)}['"]\\s*>([^<]*)</Data>`);
  // UserData (events of some providers) holds leaf elements named by their tags.
  const userData = sqlString(`<UserData>[\\s\\S]*?${textElementPattern(name)}[\\s\\S]*?</UserData>`);
  if (multivalue) {
    const values = `list_concat(regexp_extract_all(_raw, ${data}, 1), regexp_extract_all(_raw, ${userData}, 1))`;
    return `dh_mv(list_filter(list_transform(${values}, lambda dh_v: trim(dh_v, ${WHITE})), lambda dh_v: dh_v <> ''))`;
  }
  return `coalesce(${nonEmpty(`regexp_extract(_raw, ${data}, 1)`)}, CASE WHEN contains(_raw, '<UserData>') THEN ${nonEmpty(`regexp_extract(_raw, ${userData}, 1)`)} END)`;
}

/**
 * SQL listing the field names that occur more than once within one event of `records` (a relation with `_raw`,
 * `filename` and `_dh_line` columns): Data names and unnamed Data values; those fields are multivalue.
 */
export function repeatedNamesSql(records: string): string {
  const names = `regexp_extract_all(_raw, '<Data\\s+Name\\s*=\\s*[''"]([^''"]*)[''"]', 1)`;
  // One pass; only an event with a repeated name (rare) has its names compared with each other.
  const dups = `CASE WHEN len(dh_n) > len(list_distinct(dh_n)) THEN list_filter(list_distinct(dh_n), lambda dh_x: len(list_filter(dh_n, lambda dh_y: dh_y = dh_x)) > 1) ELSE [] END`;
  const unnamed = `CASE WHEN contains(_raw, '<Data>') AND contains(substr(_raw, strpos(_raw, '<Data>') + 6), '<Data>') THEN [${sqlString(UNNAMED_DATA)}] ELSE [] END`;
  return `SELECT DISTINCT unnest(${dups} || ${unnamed}) AS dh_name FROM (SELECT _raw, ${names} AS dh_n FROM ${records})`;
}

/**
 * SQL giving the candidate field names of the XML events among the rows of `from` (their `raw` column), each with
 * whether it comes from the System section: Data names with a value, `Data` for unnamed values, UserData leaf
 * tags and the sections' XML fields; and the System elements and attributes with a value, of which xmlFieldNames
 * keeps those that are fields. Field discovery (discover.ts) asks it for events whose `_raw` is an `<Event>` record.
 */
export function xmlNamesSql(raw: string, from: string): string {
  const value = `[^<]*[^<\\s][^<]*`;
  const sys = `left(${raw}, strpos(${raw}, '</System>'))`;
  const own = [
    `regexp_extract_all(${raw}, ${sqlString(`<Data\\s+Name\\s*=\\s*['"]([^'"]*)['"]\\s*>${value}</Data>`)}, 1)`,
    `CASE WHEN regexp_matches(${raw}, ${sqlString(`<Data>${value}</Data>`)}) THEN [${sqlString(UNNAMED_DATA)}] ELSE [] END`,
    `CASE WHEN contains(${raw}, '<UserData>') THEN regexp_extract_all(substr(${raw}, strpos(${raw}, '<UserData>') + 10), ${sqlString(`<([A-Za-z_][\\w.-]*)(?:\\s[^>]*)?>${value}</`)}, 1) ELSE [] END`,
    `CASE WHEN contains(${raw}, '<System>') THEN ['System_Props_Xml'] ELSE [] END`,
    `CASE WHEN regexp_matches(${raw}, '<EventData>\\s*<') THEN ['EventData_Xml'] ELSE [] END`,
  ];
  const system = [
    `regexp_extract_all(${sys}, ${sqlString(`<([A-Za-z]+)(?:\\s[^>]*)?>${value}</`)}, 1)`,
    `regexp_extract_all(${sys}, ${sqlString(`\\s([A-Za-z]+)\\s*=\\s*['"][^'"]*[^'"\\s][^'"]*['"]`)}, 1)`,
  ];
  const events = `(SELECT ${raw} ${from}) WHERE starts_with(ltrim(${raw}), '<Event')`;
  return (
    `SELECT DISTINCT unnest(list_concat(${own.join(', ')})) AS dh_name, false AS dh_system FROM ${events}\n` +
    `UNION\nSELECT DISTINCT unnest(list_concat(${system.join(', ')})), true FROM ${events}`
  );
}

/** The field names among xmlNamesSql's rows: a System tag or attribute only when it is a field, with its aliases. */
export function xmlFieldNames(rows: Array<[string, boolean]>): string[] {
  const out = new Set<string>();
  for (const [name, system] of rows) if (!system || SYSTEM_ELEMENTS.has(name) || SYSTEM_ATTRIBUTES.has(name)) out.add(name);
  for (const [alias, name] of Object.entries(SYSTEM_ALIASES)) if (out.has(name)) out.add(alias);
  return [...out];
}
