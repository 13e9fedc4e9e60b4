// Independent reference implementation of the headline detection, "O365 Email Send and Hard Delete Exfiltration
// Behavior" (queries/o365_email_send_and_hard_delete_exfiltration_behavior.spl), written out by hand over parsed
// NDJSON records: no parser, no SQL. End-to-end tests compare the engine's rows with these.
//
// Section numbers (§) refer to /work/shared/spl-semantics.md; D1–D7 are its section 9 decisions.

/** One output row of the detection, with exactly its output fields. */
export interface Row {
  subject: string;
  user: string;
  recipient: string;
  Organization: string;
  /** values(): distinct values in byte order, always an array here (one element when single-valued); null when none. */
  sender: string[] | null;
  http_user_agent: string[] | null;
  signature: string[] | null;
  file_name: string[] | null;
  /** sum(file_size); null when no row had a numeric file_size. */
  file_size: number | null;
  /** min(firstTime) / max(lastTime) after `convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(…)`, in UTC (D4). */
  firstTime: string | null;
  lastTime: string | null;
  count: number;
  externalRecipient: number;
}

type JsonRecord = Record<string, unknown>;

/** A field's value: null (absent) or one or more string values — a multivalue field has more than one. */
type Field = string[] | null;

// ───────────────────────────── field extraction (§8) ─────────────────────────────

/**
 * Splunk's JSON extraction: nested keys join with `.`, arrays add `{}` and contribute one value per element
 * (`AffectedItems{}.Subject`), scalars become strings, JSON null is absent (D6).
 */
function extractFields(record: JsonRecord): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const walk = (value: unknown, name: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const element of value) walk(element, `${name}{}`);
    } else if (typeof value === 'object') {
      for (const [key, child] of Object.entries(value as JsonRecord)) walk(child, name === '' ? key : `${name}.${key}`);
    } else {
      const values = fields.get(name) ?? [];
      values.push(String(value));
      fields.set(name, values);
    }
  };
  walk(record, '');
  return fields;
}

function field(fields: Map<string, string[]>, name: string): Field {
  return fields.get(name) ?? null;
}

/** `2024-03-12T13:05:41[.1234567]`, UTC (no offset means UTC) → epoch seconds, fraction kept. */
function parseIsoUtc(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/.exec(text);
  if (m === null) throw new Error(`unparseable time ${JSON.stringify(text)}`);
  const whole = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return whole + (m[7] === undefined ? 0 : Number(`0${m[7]}`));
}

// ───────────────────────────── search (§1) ─────────────────────────────

/** `field=pattern` in search: whole-value, case-insensitive, `*` wildcard, true if any value matches (§1.2, §1.3). */
function searchEquals(values: Field, pattern: string): boolean {
  if (values === null) return false;
  const glob = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${glob}$`, 'is');
  return values.some((v) => re.test(v));
}

/** `field IN (a, b)` in search ≡ `field=a OR field=b` (§1.5). */
function searchIn(values: Field, patterns: readonly string[]): boolean {
  return patterns.some((p) => searchEquals(values, p));
}

// ───────────────────────────── eval functions (§2) ─────────────────────────────

function lower(values: Field): Field {
  return values === null ? null : values.map((v) => v.toLowerCase()); // applied to each value (§2.6)
}

/** Functions Splunk documents as not supporting multivalue input: null for more than one value (D1, §2.6). */
function single(values: Field): string | null {
  return values === null || values.length !== 1 ? null : values[0];
}

/** eval `Operation IN ("a","b")`: exact, case-sensitive, any value (§2.5). */
function evalIn(values: Field, list: readonly string[]): boolean {
  return values !== null && values.some((v) => list.includes(v));
}

/** trim(s): strips spaces and tabs from both ends; multivalue → null (D1). */
function trim(values: Field): Field {
  const s = single(values);
  return s === null ? null : [s.replace(/^[ \t]+|[ \t]+$/g, '')];
}

/** split(s, delim): each value split, results concatenated (§2.6). */
function split(values: Field, delim: string): Field {
  return values === null ? null : values.flatMap((v) => v.split(delim));
}

/** replace(s, regex, repl): every match replaced, `\N` backreferences; multivalue → null (D1). */
function replace(values: Field, regex: string, replacement: string): Field {
  const s = single(values);
  if (s === null) return null;
  return [s.replace(new RegExp(regex, 'g'), replacement.replace(/\\(\d)/g, '$$$1'))];
}

/** tonumber(s): a decimal number, or null when the field value does not parse (§2.7); multivalue → null. */
function tonumber(values: Field): number | null {
  const s = single(values);
  if (s === null || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

/** round(x, n): half away from zero (§2.7). */
function round(x: number | null, digits: number): number | null {
  if (x === null) return null;
  const scale = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * scale)) / scale;
}

function isNumeric(s: string): boolean {
  return /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(s);
}

/** Byte-order (UTF-8) comparison: how values() sorts and how stats orders its groups (§5.1, §5.6). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `a < b` in where: numeric when both are numbers, else string order; multivalue → any pair (D2, §3.2, §3.3). */
function lessThan(a: Field, b: Field): boolean {
  if (a === null || b === null) return false; // comparisons with null are not true (§2.3)
  return a.some((x) => b.some((y) => (isNumeric(x) && isNumeric(y) ? Number(x) < Number(y) : compareBytes(x, y) < 0)));
}

// ───────────────────────────── stats (§5) ─────────────────────────────

/** values(x): distinct values of every row (each value of a multivalue), byte-sorted; null when none (§5.1). */
function valuesOf(rows: Field[]): string[] | null {
  const distinct = [...new Set(rows.flatMap((r) => r ?? []))].sort(compareBytes);
  return distinct.length === 0 ? null : distinct;
}

/** sum(x): every numeric value; null when there are none (§5.3). */
function sumOf(rows: (number | null)[]): number | null {
  const numbers = rows.filter((n): n is number => n !== null);
  return numbers.length === 0 ? null : numbers.reduce((acc, n) => acc + n, 0);
}

/** min/max(x): numbers compare numerically and sort before strings (§5.3). */
function extremeOf(rows: Field[], which: 'min' | 'max'): string | null {
  const all = rows.flatMap((r) => r ?? []);
  const numbers = all.filter(isNumeric).map(Number);
  const strings = all.filter((v) => !isNumeric(v)).sort(compareBytes);
  if (which === 'min') return numbers.length > 0 ? String(Math.min(...numbers)) : (strings[0] ?? null);
  return strings.length > 0 ? strings[strings.length - 1] : numbers.length > 0 ? String(Math.max(...numbers)) : null;
}

/** Group rows by their BY fields; rows with a null BY field are dropped, groups come out byte-sorted (§5.6). */
function groupBy<T>(rows: T[], keys: (row: T) => (string | null)[]): T[][] {
  const groups = new Map<string, { key: string[]; rows: T[] }>();
  for (const row of rows) {
    const key = keys(row);
    if (key.some((k) => k === null)) continue;
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key: key as string[], rows: [] };
    group.rows.push(row);
    groups.set(id, group);
  }
  return [...groups.values()]
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const c = compareBytes(a.key[i], b.key[i]);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map((g) => g.rows);
}

/** convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(x), UTC (D4); non-numeric values are left as they are (§7). */
function ctime(value: string | null): string | null {
  if (value === null || !isNumeric(value)) return value;
  return new Date(Math.floor(Number(value)) * 1000).toISOString().slice(0, 19);
}

// ───────────────────────────── the detection ─────────────────────────────

const SEND_OPS = ['Send', 'SendAs', 'SendOnBehalf'];
const DELETE_OPS = ['SoftDelete', 'HardDelete'];

/** A message trace row after the main search's evals. */
interface TraceEvent {
  user: Field;
  recipient: Field;
  InternetMessageId: Field;
  Organization: Field;
}

/** One row of the subsearch's `stats … by _time,subject,user`. */
interface AuditGroup {
  time: number;
  subject: string;
  user: string;
  sender: string[] | null;
  http_user_agent: string[] | null;
  InternetMessageId: string[] | null;
  file_name: string[] | null;
  file_size: number | null;
  firstTime: string[] | null;
  lastTime: string[] | null;
  signature: string[] | null;
  opcount: number;
  count: number;
}

/** An audit event after the subsearch's evals and `bin _time span=1hr`. */
interface AuditEvent {
  time: number;
  user: Field;
  sender: Field;
  subject: Field;
  file_name: Field;
  file_size: number | null;
  InternetMessageId: Field;
  sendtime: Field;
  deltime: Field;
  ClientInfoString: Field;
  Operation: Field;
}

function auditEvent(record: JsonRecord): AuditEvent | null {
  const f = extractFields(record);
  const operation = field(f, 'Operation');
  // `Workload=Exchange (Operation IN ("Send*")) OR (Operation IN ("HardDelete") AND Folder.Path IN (…))`: the
  // parentheses make it Workload AND (… OR …) (§0.2, §1.6); `"\\Sent Items"` is the value `\Sent Items` (§1.4);
  // `Send*` is a case-insensitive prefix match (§0.4).
  const kept =
    searchEquals(field(f, 'Workload'), 'Exchange') &&
    (searchIn(operation, ['Send*']) ||
      (searchIn(operation, ['HardDelete']) && searchIn(field(f, 'Folder.Path'), ['\\Sent Items', '\\Recoverable Items\\Deletions'])));
  if (!kept) return null;

  const time = parseIsoUtc(String(record.CreationTime)); // _time ← CreationTime (§8)
  const isSend = evalIn(operation, SEND_OPS);
  const isDelete = evalIn(operation, DELETE_OPS);
  // One eval, left to right: file_size reads the file_name assigned just before it (§0.5, §2.1).
  // CASE(…) with no true branch is null (§2.4); isnotnull(JSON null) is false (D6).
  const sender = lower(field(f, 'SendAsUserSmtp') ?? field(f, 'SendOnBehalfOfUserSmtp') ?? field(f, 'MailboxOwnerUPN'));
  const subject = trim(isSend ? field(f, 'Item.Subject') : isDelete ? field(f, 'AffectedItems{}.Subject') : null);
  const fileName = isSend ? split(field(f, 'Item.Attachments'), '; ') : isDelete ? split(field(f, 'AffectedItems{}.Attachments'), '; ') : null;
  // The replace() path: "name (123b)" → "123"; a multivalue file_name gives null (D1, §0.7).
  const bytes = isSend ? tonumber(field(f, 'Item.SizeInBytes')) : tonumber(replace(fileName, '(.+)\\s\\((\\d+)(b\\)$)', '\\2'));
  return {
    time: Math.floor(time / 3600) * 3600, // bin _time span=1hr, epoch-aligned (§4)
    user: lower(field(f, 'UserId')),
    sender,
    subject,
    file_name: fileName,
    file_size: round(bytes === null ? null : bytes / 1024 / 1024, 2),
    InternetMessageId: lower(field(f, 'Item.InternetMessageId')),
    sendtime: isSend ? [String(time)] : null, // exact event time, taken before bin
    deltime: isDelete ? [String(time)] : null,
    ClientInfoString: field(f, 'ClientInfoString'),
    Operation: operation,
  };
}

function auditGroups(managementRecords: readonly JsonRecord[]): AuditGroup[] {
  const events = managementRecords.map(auditEvent).filter((e): e is AuditEvent => e !== null);
  // `by _time,subject,user` drops events whose subject or user is null (§0.8, §5.6); values() is byte-sorted.
  const groups = groupBy(events, (e) => [String(e.time), single(e.subject), single(e.user)]).map(
    (rows): AuditGroup => ({
      time: rows[0].time,
      subject: single(rows[0].subject) as string,
      user: single(rows[0].user) as string,
      sender: valuesOf(rows.map((r) => r.sender)),
      http_user_agent: valuesOf(rows.map((r) => r.ClientInfoString)),
      InternetMessageId: valuesOf(rows.map((r) => r.InternetMessageId)),
      file_name: valuesOf(rows.map((r) => r.file_name)),
      file_size: sumOf(rows.map((r) => r.file_size)),
      firstTime: valuesOf(rows.map((r) => r.sendtime)),
      lastTime: valuesOf(rows.map((r) => r.deltime)),
      signature: valuesOf(rows.map((r) => r.Operation)),
      opcount: new Set(rows.flatMap((r) => r.Operation ?? [])).size,
      count: rows.length,
    }),
  );
  // where opcount > 1 AND firstTime < lastTime: numeric compare, any pair when multivalue (§0.9, D2).
  return groups.filter((g) => g.opcount > 1 && lessThan(g.firstTime, g.lastTime));
}

/**
 * The main search: `Status=Delivered` and its evals. `eval mailtime=_time | bin _time span=1hr` is left out:
 * join overwrites _time and nothing reads mailtime.
 */
function traceEvents(traceRecords: readonly JsonRecord[]): TraceEvent[] {
  return traceRecords
    .map(extractFields)
    .filter((f) => searchEquals(field(f, 'Status'), 'Delivered')) // case-insensitive value match (§1.1)
    .map((f) => ({
      user: lower(field(f, 'SenderAddress')),
      recipient: lower(field(f, 'RecipientAddress')),
      InternetMessageId: lower(field(f, 'MessageId')),
      Organization: field(f, 'Organization'),
    }));
}

/** A join key's value: a multivalue key compares as its values joined by newlines (D3). */
function joinKey(values: Field | string[] | null): string | null {
  return values === null ? null : values.join('\n');
}

export function headlineOracle(managementRecords: readonly JsonRecord[], traceRecords: readonly JsonRecord[]): Row[] {
  const groups = auditGroups(managementRecords);

  // join InternetMessageId, user max=0: inner, every matching subsearch row, case-sensitive keys, subsearch fields
  // overwrite main fields (§6). Only subject/user/sender/… from the subsearch and recipient/Organization from the
  // main row reach the final stats.
  const joined = traceEvents(traceRecords).flatMap((t) => {
    const messageId = joinKey(t.InternetMessageId);
    const user = joinKey(t.user);
    if (messageId === null || user === null) return [];
    return groups
      .filter((g) => joinKey(g.InternetMessageId) === messageId && g.user === user)
      .map((g) => ({ ...g, recipient: single(t.recipient), Organization: single(t.Organization) }));
  });

  return groupBy(joined, (j) => [j.subject, j.user, j.recipient, j.Organization]).flatMap((rows): Row[] => {
    const first = rows[0];
    const recipient = first.recipient as string;
    const organization = first.Organization as string;
    // if(match(lower(recipient), mvindex(split(lower(Organization),"."),0)),0,1): unanchored regex on the
    // organisation's first DNS label (§0.12, §2.5, §2.9).
    const label = organization.toLowerCase().split('.')[0];
    const externalRecipient = new RegExp(label).test(recipient.toLowerCase()) ? 0 : 1;
    if (externalRecipient !== 1) return [];
    return [
      {
        subject: first.subject,
        user: first.user,
        recipient,
        Organization: organization,
        sender: valuesOf(rows.map((r) => r.sender)),
        http_user_agent: valuesOf(rows.map((r) => r.http_user_agent)),
        signature: valuesOf(rows.map((r) => r.signature)),
        file_name: valuesOf(rows.map((r) => r.file_name)),
        file_size: sumOf(rows.map((r) => r.file_size)),
        firstTime: ctime(extremeOf(rows.map((r) => r.firstTime), 'min')), // min/max over every value (§0.11)
        lastTime: ctime(extremeOf(rows.map((r) => r.lastTime), 'max')),
        count: rows.length,
        externalRecipient,
      },
    ];
  });
}
