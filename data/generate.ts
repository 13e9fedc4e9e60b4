// Seeded, deterministic generator of the embedded Office 365 sample logs (see data/README.md).
//
//   npx tsx data/generate.ts [--out DIR]     # default DIR: the directory holding this file
//
// Writes two NDJSON files in Microsoft's own field layout:
//   o365_management_activity.ndjson  sourcetype o365:management:activity   (_time ← CreationTime)
//   o365_messagetrace.ndjson         sourcetype o365:reporting:messagetrace (_time ← Received)
//
// Same bytes on every run: every random choice comes from mulberry32 streams with fixed seeds, all times are
// offsets from a fixed base date, and nothing reads the clock. The planted positives (P*) and near misses (N*) of
// the headline detection "O365 Email Send and Hard Delete Exfiltration Behavior" use their own PRNG stream, so
// changing the noise never changes a planted record. Every plant is listed, with its reason, in data/README.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MANAGEMENT_FILE = 'o365_management_activity.ndjson';
export const TRACE_FILE = 'o365_messagetrace.ndjson';

// ───────────────────────────── randomness and time ─────────────────────────────

class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `n` distinct items (fewer if the list is shorter). */
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }

  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  hex(n: number): string {
    return this.chars('0123456789abcdef', n);
  }

  guid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const UPPER_HEX = '0123456789ABCDEF';

/** Monday 2024-03-11T00:00:00Z; the logs cover three days from here. */
const BASE_EPOCH = Date.UTC(2024, 2, 11) / 1000;
const DAYS = 3;

/** Epoch seconds of day `day` (0-based from BASE_EPOCH) at hh:mm:ss UTC. */
function at(day: number, hh: number, mm: number, ss: number): number {
  return BASE_EPOCH + day * 86400 + hh * 3600 + mm * 60 + ss;
}

/** `2024-03-12T13:05:41` — how CreationTime is written: UTC, no offset, no fraction. */
function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 19);
}

/** `2024-03-12T13:05:43.1234567` — how message trace writes Received: UTC, no offset, 7-digit fraction. */
function isoTicks(epoch: number, ticks: number): string {
  return `${isoSeconds(epoch)}.${String(ticks).padStart(7, '0')}`;
}

// ───────────────────────────── tenants, mailboxes, clients ─────────────────────────────

interface Tenant {
  name: string; // OrganizationName / trace Organization
  domain: string; // SMTP domain of its mailboxes
  id: string; // OrganizationId
  sidPrefix: string;
  mailboxes: Mailbox[];
  outboundIp: string; // Exchange Online's outbound address as the receiving tenant's trace sees it
}

interface Mailbox {
  upn: string; // mixed case, as UPNs are stored
  tenant: Tenant;
  guid: string;
  sid: string;
  puid: string;
  aadObjectId: string;
  server: string; // mailbox server, e.g. MW4PR11MB5872
  region: string; // e.g. namprd11
  clientIp: string;
  kind: 'person' | 'shared' | 'service';
}

interface Client {
  infoString: string;
  appId?: string;
  logonType: number;
}

const OWA: Client = {
  infoString:
    'Client=OWA;Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0;',
  appId: '00000002-0000-0ff1-ce00-000000000000',
  logonType: 0,
};
const OUTLOOK_RPC: Client = { infoString: 'Client=MSExchangeRPC', logonType: 0 };
const REST: Client = {
  infoString: 'Client=REST;Client=RESTSystem;;',
  appId: '5d661950-3475-41cd-a2c3-d671a3162bc1',
  logonType: 0,
};
const OUTLOOK_IOS: Client = {
  infoString: 'Client=OutlookService;Outlook-iOS/2.0;',
  appId: '27922004-5251-4030-b22d-91ecd9a37ea4',
  logonType: 0,
};
const CLIENTS = [OWA, OWA, OUTLOOK_RPC, OUTLOOK_RPC, REST, OUTLOOK_IOS];

const CONTOSO_PEOPLE = [
  'Adele.Vance', 'Alex.Wilber', 'Allan.Deyoung', 'Christie.Cline', 'Debra.Berger', 'Diego.Siciliani',
  'Emily.Braun', 'Enrico.Cattaneo', 'Grady.Archie', 'Henrietta.Mueller', 'Irvin.Sayers', 'Isaiah.Langer',
  'Johanna.Lorenz', 'Joni.Sherman', 'Lee.Gu', 'Lidia.Holloway', 'Lynne.Robbins', 'Megan.Bowen',
  'Miriam.Graham', 'Nestor.Wilke', 'Patti.Fernandez',
];
const CONTOSO_SHARED = ['Finance', 'Sales', 'Reception'];
const CONTOSO_SERVICE = ['svc-ediscovery'];
const FABRIKAM_PEOPLE = [
  'Oksana.Petrenko', 'Marcus.Reyes', 'Hannah.Lindqvist', 'Tomasz.Nowak', 'Priya.Raman', 'Samuel.Okafor',
  'Chloe.Dubois', 'Mateo.Fernandez',
];

/** Assistants who send on behalf of their manager (Exchange "Send on Behalf" delegation). */
const DELEGATES = new Map([
  ['Irvin.Sayers@contoso.com', 'Lidia.Holloway'],
  ['Allan.Deyoung@contoso.com', 'Miriam.Graham'],
]);

/** External organisations' domains (fictional) that appear as correspondents in the noise. */
const PARTNER_DOMAINS = [
  'litwareinc.com', 'adatum.com', 'northwindtraders.com', 'tailspintoys.com', 'woodgrovebank.com',
  'proseware.com', 'fourthcoffee.com', 'alpineskihouse.com', 'lucernepublishing.com', 'contoso-partners.com',
];
const PARTNER_LOCALS = ['jkim', 'a.moreau', 'sales', 'support', 'r.osei', 'accounts', 'lwalsh', 'procurement', 'd.novak'];
const NEWSLETTER_SENDERS = [
  'news@lucernepublishing.com', 'no-reply@alpineskihouse.com', 'events@fourthcoffee.com',
  'notifications@proseware.com', 'digest@litwareinc.com',
];

function serverName(rng: Rng): { server: string; region: string } {
  const nn = String(rng.int(1, 22)).padStart(2, '0');
  const server = `${rng.pick(['MW4PR', 'BY5PR', 'SN6PR', 'CH0PR', 'DM6PR', 'PH0PR'])}${nn}MB${rng.int(1000, 9999)}`;
  return { server, region: `namprd${nn}` };
}

function documentationIp(rng: Rng): string {
  return `${rng.pick(['203.0.113', '198.51.100'])}.${rng.int(2, 254)}`;
}

function makeTenant(
  rng: Rng,
  name: string,
  domain: string,
  locals: { person: readonly string[]; shared?: readonly string[]; service?: readonly string[] },
): Tenant {
  const tenant: Tenant = {
    name,
    domain,
    id: rng.guid(),
    sidPrefix: `S-1-5-21-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}`,
    mailboxes: [],
    outboundIp: `2001:db8:f403:${rng.hex(4)}::${rng.int(700, 799)}`,
  };
  let rid = 14000000 + rng.int(0, 99999);
  const all = [
    ...locals.person.map((l) => ({ local: l, kind: 'person' as const })),
    ...(locals.shared ?? []).map((l) => ({ local: l, kind: 'shared' as const })),
    ...(locals.service ?? []).map((l) => ({ local: l, kind: 'service' as const })),
  ];
  for (const { local, kind } of all) {
    const { server, region } = serverName(rng);
    tenant.mailboxes.push({
      upn: `${local}@${domain}`,
      tenant,
      guid: rng.guid(),
      sid: `${tenant.sidPrefix}-${(rid += rng.int(1, 900))}`,
      puid: `1003${rng.chars(UPPER_HEX, 12)}`,
      aadObjectId: rng.guid(),
      server,
      region,
      clientIp: documentationIp(rng),
      kind,
    });
  }
  return tenant;
}

// ───────────────────────────── the two logs ─────────────────────────────

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Message {
  id: string; // InternetMessageId, as the sender's mailbox audit writes it
  subject: string;
  sizeInBytes: number;
  attachments?: string; // "name (123b); other (456b)"
}

/** One trace row before its polling window (StartDate/EndDate/Index) is assigned. */
interface TraceDraft {
  epoch: number;
  ticks: number;
  windowShift: number; // seconds; non-zero for a duplicate row returned by an overlapping poll
  row: JsonObject;
}

class Logs {
  private readonly management: { epoch: number; seq: number; record: JsonObject }[] = [];
  private readonly trace: TraceDraft[] = [];
  private readonly folderIds = new Map<string, string>();

  constructor(private rng: Rng) {}

  /** Draw ids from another stream from now on (the plants use their own, see generateSampleLogs). */
  useRng(rng: Rng): void {
    this.rng = rng;
  }

  folderId(mb: Mailbox, path: string): string {
    const key = `${mb.guid}|${path}`;
    let id = this.folderIds.get(key);
    if (id === undefined) {
      id = `LgAAAAA${this.rng.chars(BASE64, 37)}AQ${this.rng.chars(BASE64, 20)}AAAB`;
      this.folderIds.set(key, id);
    }
    return id;
  }

  itemId(): string {
    return `RgAAAAA${this.rng.chars(BASE64, 37)}BwC${this.rng.chars(BASE64, 57)}AAAJ`;
  }

  messageId(mb: Mailbox): string {
    return `<${mb.server}${this.rng.chars(UPPER_HEX, 23)}@${mb.server}.${mb.region}.prod.outlook.com>`;
  }

  externalMessageId(domain: string): string {
    return this.rng.chance(0.5)
      ? `<0100018e${this.rng.hex(8)}-${this.rng.guid()}-000000@email.amazonses.com>`
      : `<${this.rng.chars(UPPER_HEX, 16)}.${this.rng.int(10000, 99999)}@mail.${domain}>`;
  }

  addManagement(epoch: number, record: JsonObject): void {
    this.management.push({ epoch, seq: this.management.length, record });
  }

  /** Fields every Exchange mailbox audit record carries; `actor` performs the action on `mailbox`. */
  exchangeRecord(epoch: number, operation: string, recordType: number, actor: Mailbox, mailbox: Mailbox, client: Client, sessionId: string): JsonObject {
    const record: JsonObject = {
      CreationTime: isoSeconds(epoch),
      Id: this.rng.guid(),
      Operation: operation,
      OrganizationId: mailbox.tenant.id,
      RecordType: recordType,
      ResultStatus: 'Succeeded',
      UserKey: actor.puid,
      UserType: 0,
      Version: 1,
      Workload: 'Exchange',
      ClientIP: actor.clientIp,
      UserId: actor.upn,
    };
    if (client.appId !== undefined) {
      record.AppId = client.appId;
      record.ClientAppId = '';
    }
    Object.assign(record, {
      ClientIPAddress: actor.clientIp,
      ClientInfoString: client.infoString,
      ExternalAccess: false,
      InternalLogonType: 0,
      LogonType: actor === mailbox ? client.logonType : 1,
      LogonUserSid: actor.sid,
      MailboxGuid: mailbox.guid,
      MailboxOwnerSid: mailbox.sid,
      MailboxOwnerUPN: mailbox.upn,
      OrganizationName: mailbox.tenant.name,
      OriginatingServer: `${mailbox.server} (15.20.7386.023)\r\n`,
      SessionId: sessionId,
    });
    return record;
  }

  /** Send / SendAs / SendOnBehalf (RecordType 2, ExchangeItem). */
  send(
    epoch: number,
    actor: Mailbox,
    msg: Message,
    client: Client,
    sessionId: string,
    opts: { sendAs?: Mailbox; onBehalfOf?: Mailbox; explicitNulls?: boolean; workload?: string } = {},
  ): void {
    const operation = opts.sendAs ? 'SendAs' : opts.onBehalfOf ? 'SendOnBehalf' : 'Send';
    // SendAs is audited in the mailbox whose identity was used; Send and SendOnBehalf in the acting user's.
    const mailbox = opts.sendAs ?? actor;
    const record = this.exchangeRecord(epoch, operation, 2, actor, mailbox, client, sessionId);
    if (opts.workload !== undefined) record.Workload = opts.workload;
    const item: JsonObject = {
      Id: this.itemId(),
      InternetMessageId: msg.id,
      IsRecord: false,
      ParentFolder: { Id: this.folderId(actor, '\\Drafts'), Path: '\\Drafts' },
      SizeInBytes: msg.sizeInBytes,
      Subject: msg.subject,
    };
    if (msg.attachments !== undefined) item.Attachments = msg.attachments;
    record.Item = item;
    if (opts.sendAs) {
      record.SendAsUserMailboxGuid = opts.sendAs.guid;
      record.SendAsUserSmtp = opts.sendAs.upn;
    } else if (opts.onBehalfOf) {
      if (opts.explicitNulls) record.SendAsUserSmtp = null;
      record.SendOnBehalfOfUserMailboxGuid = opts.onBehalfOf.guid;
      record.SendOnBehalfOfUserSmtp = opts.onBehalfOf.upn;
    } else if (opts.explicitNulls) {
      record.SendAsUserSmtp = null;
      record.SendOnBehalfOfUserSmtp = null;
    }
    this.addManagement(epoch, record);
  }

  /** MoveToDeletedItems / SoftDelete / HardDelete (RecordType 3, ExchangeItemGroup). */
  deleteItems(
    epoch: number,
    operation: 'MoveToDeletedItems' | 'SoftDelete' | 'HardDelete',
    actor: Mailbox,
    mailbox: Mailbox,
    folderPath: string,
    items: { msg: Message; parentPath?: string }[],
    client: Client,
    sessionId: string,
    opts: { workload?: string } = {},
  ): void {
    const record = this.exchangeRecord(epoch, operation, 3, actor, mailbox, client, sessionId);
    if (opts.workload !== undefined) record.Workload = opts.workload;
    if (actor !== mailbox) record.UserType = 2;
    record.AffectedItems = items.map(({ msg, parentPath }) => {
      const affected: JsonObject = {};
      if (msg.attachments !== undefined) affected.Attachments = msg.attachments;
      const path = parentPath ?? folderPath;
      Object.assign(affected, {
        Id: this.itemId(),
        InternetMessageId: msg.id,
        ParentFolder: { Id: this.folderId(mailbox, path), Path: path },
        Subject: msg.subject,
      });
      return affected;
    });
    record.CrossMailboxOperation = actor !== mailbox;
    if (operation === 'MoveToDeletedItems') {
      record.DestFolder = { Id: this.folderId(mailbox, '\\Deleted Items'), Path: '\\Deleted Items' };
    }
    record.Folder = { Id: this.folderId(mailbox, folderPath), Path: folderPath };
    this.addManagement(epoch, record);
  }

  mailItemsAccessed(epoch: number, mb: Mailbox, folderPath: string, msgs: Message[], client: Client, sessionId: string): void {
    const record = this.exchangeRecord(epoch, 'MailItemsAccessed', 50, mb, mb, client, sessionId);
    record.OperationProperties = [
      { Name: 'MailAccessType', Value: this.rng.chance(0.8) ? 'Bind' : 'Sync' },
      { Name: 'IsThrottled', Value: 'False' },
    ];
    record.Folders = [
      {
        FolderItems: msgs.map((m) => ({ Id: this.itemId(), InternetMessageId: m.id, SizeInBytes: m.sizeInBytes })),
        Id: this.folderId(mb, folderPath),
        Path: folderPath,
      },
    ];
    record.OperationCount = msgs.length;
    this.addManagement(epoch, record);
  }

  /** Create or Update of an item (RecordType 2): calendar entries, drafts. */
  itemChange(epoch: number, operation: 'Create' | 'Update', mb: Mailbox, folderPath: string, subject: string, client: Client, sessionId: string): void {
    const record = this.exchangeRecord(epoch, operation, 2, mb, mb, client, sessionId);
    record.Item = {
      Id: this.itemId(),
      IsRecord: false,
      ParentFolder: { Id: this.folderId(mb, folderPath), Path: folderPath },
      SizeInBytes: this.rng.int(2000, 90000),
      Subject: subject,
    };
    if (operation === 'Update') {
      record.ModifiedProperties = this.rng.pick([
        ['MapiStartTime', 'MapiEndTime', 'MapiPRStartDate', 'MapiPREndDate'],
        ['RtfBody', 'Subject'],
        ['ItemClass', 'Categories'],
      ]);
    }
    this.addManagement(epoch, record);
  }

  /** Azure AD sign-in (RecordType 15, Workload AzureActiveDirectory). */
  userLoggedIn(epoch: number, mb: Mailbox, userAgent: string): void {
    const record: JsonObject = {
      CreationTime: isoSeconds(epoch),
      Id: this.rng.guid(),
      Operation: 'UserLoggedIn',
      OrganizationId: mb.tenant.id,
      RecordType: 15,
      ResultStatus: 'Success',
      UserKey: mb.aadObjectId,
      UserType: 0,
      Version: 1,
      Workload: 'AzureActiveDirectory',
      ClientIP: mb.clientIp,
      ObjectId: '00000002-0000-0ff1-ce00-000000000000',
      UserId: mb.upn.toLowerCase(),
      AzureActiveDirectoryEventType: 1,
      ExtendedProperties: [
        { Name: 'ResultStatusDetail', Value: 'Redirect' },
        { Name: 'UserAgent', Value: userAgent },
        { Name: 'RequestType', Value: 'OAuth2:Authorize' },
      ],
      ModifiedProperties: [],
      Actor: [
        { ID: mb.aadObjectId, Type: 0 },
        { ID: mb.upn.toLowerCase(), Type: 5 },
      ],
      ActorContextId: mb.tenant.id,
      ActorIpAddress: mb.clientIp,
      InterSystemsId: this.rng.guid(),
      IntraSystemId: this.rng.guid(),
      SupportTicketId: '',
      Target: [{ ID: '00000002-0000-0ff1-ce00-000000000000', Type: 0 }],
      TargetContextId: mb.tenant.id,
      ApplicationId: '4765445b-32c6-49b0-83e6-1d93765276ca',
      DeviceProperties: [
        { Name: 'OS', Value: 'Windows 10' },
        { Name: 'BrowserType', Value: 'Edge' },
        { Name: 'IsCompliantAndManaged', Value: 'False' },
        { Name: 'SessionId', Value: this.rng.guid() },
      ],
      ErrorNumber: '0',
    };
    this.addManagement(epoch, record);
  }

  /** One message trace row per recipient, in the Reporting web service's field order. */
  traceRow(
    org: Tenant,
    msg: Message,
    messageTraceId: string,
    epoch: number,
    sender: string,
    recipient: string,
    status: string,
    toIp: string | null,
    fromIp: string | null,
    opts: { messageId?: string; windowShift?: number; ticks?: number } = {},
  ): void {
    const ticks = opts.ticks ?? this.rng.int(0, 9999999);
    this.trace.push({
      epoch,
      ticks,
      windowShift: opts.windowShift ?? 0,
      row: {
        Organization: org.name,
        MessageId: opts.messageId ?? msg.id,
        Received: isoTicks(epoch, ticks),
        SenderAddress: sender,
        RecipientAddress: recipient,
        Subject: msg.subject,
        Status: status,
        ToIP: toIp,
        FromIP: fromIp,
        Size: msg.sizeInBytes + 2048 + (msg.id.length % 7) * 311,
        MessageTraceId: messageTraceId,
      },
    });
  }

  externalMxIp(): string {
    return this.rng.chance(0.5) ? `192.0.2.${this.rng.int(2, 254)}` : `2001:db8:${this.rng.hex(4)}::${this.rng.int(16, 255).toString(16)}`;
  }

  /**
   * Trace rows for a message sent from a mailbox of `from.tenant`: one row per recipient in the sender's tenant,
   * plus one row in the recipient's tenant when the recipient is a mailbox of another tenant in these logs.
   */
  deliver(
    epoch: number,
    traceSender: string,
    from: Mailbox,
    msg: Message,
    recipients: string[],
    tenants: Tenant[],
    statusOf: (recipient: string) => string,
    opts: { traceMessageId?: string } = {},
  ): void {
    const traceId = this.rng.guid();
    const messageId = opts.traceMessageId ?? msg.id;
    for (const [i, rcpt] of recipients.entries()) {
      const rcptTenant = tenants.find((t) => rcpt.toLowerCase().endsWith(`@${t.domain}`));
      const received = epoch + 1 + i;
      const status = statusOf(rcpt);
      const internal = rcptTenant === from.tenant;
      this.traceRow(from.tenant, msg, traceId, received, traceSender, rcpt, status, internal ? null : this.externalMxIp(), from.clientIp, { messageId });
      if (rcptTenant !== undefined && !internal && status === 'Delivered') {
        this.traceRow(rcptTenant, msg, this.rng.guid(), received + 2, traceSender, rcpt, 'Delivered', null, from.tenant.outboundIp, { messageId });
      }
    }
  }

  /** Serialise both logs: records in time order (ties keep generation order), trace windows assigned. */
  render(): { management: string; trace: string } {
    const management = [...this.management]
      .sort((a, b) => a.epoch - b.epoch || a.seq - b.seq)
      .map((m) => JSON.stringify(m.record))
      .join('\n');

    // The add-on polls message trace in one-hour windows starting at HH:55; a row's StartDate/EndDate are its
    // poll's window and Index its position in that poll's result set. A shifted window is an overlapping re-poll.
    const drafts = this.trace.map((d, seq) => ({ ...d, seq })).sort((a, b) => a.epoch - b.epoch || a.ticks - b.ticks || a.seq - b.seq);
    const windowTicks = new Map<number, number>();
    const indexInWindow = new Map<number, number>();
    const windowRng = new Rng(0x0365_7715);
    const trace = drafts
      .map((d) => {
        const start = Math.floor((d.epoch + 300) / 3600) * 3600 - 300 + d.windowShift;
        let ticks = windowTicks.get(start);
        if (ticks === undefined) {
          ticks = windowRng.int(0, 9999999);
          windowTicks.set(start, ticks);
        }
        const index = indexInWindow.get(start) ?? 0;
        indexInWindow.set(start, index + 1);
        const row: JsonObject = {
          ...d.row,
          StartDate: `${isoTicks(start, ticks)}Z`,
          EndDate: `${isoTicks(start + 3600, ticks)}Z`,
          Index: index,
        };
        return JSON.stringify(row);
      })
      .join('\n');
    return { management: `${management}\n`, trace: `${trace}\n` };
  }
}

// ───────────────────────────── noise ─────────────────────────────

const SENT_SUBJECTS = [
  'Weekly sync notes', 'Budget review follow-up', 'Updated project timeline', 'Invoice INV-{n}', 'Contract redlines',
  'Agenda for Thursday', 'Travel approval request', 'Customer escalation #{n}', 'Draft press release',
  'Onboarding checklist', 'Quarterly KPI summary', 'Purchase order PO-{n}', 'Meeting follow-up', 'Headcount plan',
  'Lunch on Friday?', 'Vendor comparison', 'Demo feedback', 'Service renewal quote', 'Re: Shipping schedule',
  'Fw: Conference registration',
];
const RECEIVED_SUBJECTS = [
  'Your weekly digest', 'Webinar invitation: cloud cost control', 'Order confirmation {n}', 'Ticket {n} has been updated',
  'Password expiry notice', 'Partner newsletter - March', 'Delivery notification', 'Statement available',
  'Reminder: timesheet due', 'Event registration confirmed', '[External] Pricing inquiry', 'Survey: tell us how we did',
];
const CALENDAR_SUBJECTS = ['1:1', 'Team standup', 'Focus time', 'Customer call', 'Design review', 'All hands'];
const ATTACHMENT_NAMES = [
  'report.pdf', 'budget.xlsx', 'notes.docx', 'image001.png', 'image002.png', 'timeline.pptx', 'quote.pdf', 'contract.docx',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];

function fillSubject(rng: Rng, template: string): string {
  return template.replace('{n}', String(rng.int(10000, 99999)));
}

function attachments(rng: Rng, count: number): string | undefined {
  if (count === 0) return undefined;
  return rng
    .sample(ATTACHMENT_NAMES, count)
    .map((name) => `${name} (${rng.int(400, 900000)}b)`)
    .join('; ');
}

interface SentNoise {
  epoch: number;
  sender: Mailbox;
  msg: Message;
}

function generateNoise(logs: Logs, rng: Rng, tenants: Tenant[]): void {
  const sent: SentNoise[] = [];
  const sendKeys = new Set<string>();
  const hourKey = (mb: Mailbox, epoch: number, subject: string): string => `${mb.upn}|${Math.floor(epoch / 3600)}|${subject}`;

  for (let day = 0; day < DAYS; day++) {
    for (const tenant of tenants) {
      const people = tenant.mailboxes.filter((m) => m.kind === 'person');
      const shared = tenant.mailboxes.filter((m) => m.kind === 'shared');
      const colleagues = (me: Mailbox): Mailbox[] => people.filter((p) => p !== me);
      for (const mb of people) {
        const sessionId = rng.guid();
        const client = rng.pick(CLIENTS);
        const workStart = at(day, rng.int(7, 9), rng.int(0, 59), rng.int(0, 59));
        const during = (): number => workStart + rng.int(0, 9 * 3600);

        for (let i = rng.int(1, 2); i > 0; i--) logs.userLoggedIn(during() - 1800, mb, rng.pick(USER_AGENTS));

        // Outbound mail: the mailbox audit's Send record and the trace rows for every recipient.
        for (let i = rng.int(1, 3); i > 0; i--) {
          const epoch = during();
          const external = rng.chance(0.4);
          const recipients = external
            ? [`${rng.pick(PARTNER_LOCALS)}@${rng.pick(PARTNER_DOMAINS)}`]
            : rng.sample(colleagues(mb), rng.int(1, 3)).map((c) => c.upn);
          if (rng.chance(0.15)) recipients.push(rng.pick(tenants.filter((t) => t !== tenant)).mailboxes[0].upn);
          const msg: Message = {
            id: logs.messageId(mb),
            subject: fillSubject(rng, rng.pick(SENT_SUBJECTS)),
            sizeInBytes: rng.int(9000, 60000),
          };
          const att = attachments(rng, rng.chance(0.35) ? rng.int(1, 3) : 0);
          if (att !== undefined) {
            msg.attachments = att;
            msg.sizeInBytes += rng.int(50000, 2000000);
          }
          const sendAs = shared.length > 0 && rng.chance(0.06) ? rng.pick(shared) : undefined;
          const principal = DELEGATES.get(mb.upn);
          const onBehalfOf = sendAs === undefined && principal !== undefined && rng.chance(0.5) ? mailbox(tenant, principal) : undefined;
          logs.send(epoch, mb, msg, client, sessionId, { sendAs, onBehalfOf, explicitNulls: client === REST });
          // The trace's sender is the mailbox sent as for SendAs, the acting user otherwise (see README).
          logs.deliver(epoch, (sendAs ?? mb).upn, mb, msg, recipients, tenants, (r) =>
            !r.endsWith(`@${tenant.domain}`) && rng.chance(0.08) ? rng.pick(['Failed', 'Pending', 'GettingStatus']) : 'Delivered',
          );
          sent.push({ epoch, sender: mb, msg });
          sendKeys.add(hourKey(mb, epoch, msg.subject));
        }

        // Inbound mail: trace rows in this tenant, then the mailbox reads and tidies it.
        const inbox: Message[] = [];
        for (let i = rng.int(2, 4); i > 0; i--) {
          const epoch = during() - 600;
          const newsletter = rng.chance(0.5);
          const from = newsletter ? rng.pick(NEWSLETTER_SENDERS) : `${rng.pick(PARTNER_LOCALS)}@${rng.pick(PARTNER_DOMAINS)}`;
          const msg: Message = {
            id: logs.externalMessageId(from.split('@')[1]),
            subject: fillSubject(rng, rng.pick(RECEIVED_SUBJECTS)),
            sizeInBytes: rng.int(6000, 250000),
          };
          const status = rng.chance(0.85) ? 'Delivered' : rng.pick(['FilteredAsSpam', 'Quarantined', 'Failed']);
          logs.traceRow(tenant, msg, rng.guid(), epoch, from, mb.upn, status, null, logs.externalMxIp());
          if (status === 'Delivered') inbox.push(msg);
        }
        if (inbox.length > 0) {
          logs.mailItemsAccessed(during() + 600, mb, '\\Inbox', inbox, client, sessionId);
          if (rng.chance(0.6)) {
            const junk = inbox[0];
            const moved = during() + 1200;
            logs.deleteItems(moved, 'MoveToDeletedItems', mb, mb, '\\Inbox', [{ msg: junk }], client, sessionId);
            if (rng.chance(0.5)) {
              logs.deleteItems(moved + rng.int(60, 3000), 'SoftDelete', mb, mb, '\\Deleted Items', [{ msg: junk }], client, sessionId);
            }
          }
          // Emptying Recoverable Items: HardDelete of received mail, sometimes several items in one record.
          if (rng.chance(0.12)) {
            const purged = inbox.slice(0, rng.int(1, Math.min(2, inbox.length))).map((msg) => ({ msg }));
            logs.deleteItems(during() + 1800, 'HardDelete', mb, mb, '\\Recoverable Items\\Deletions', purged, client, sessionId);
          }
        }

        for (let i = rng.int(0, 2); i > 0; i--) {
          logs.itemChange(during(), rng.pick(['Create', 'Update'] as const), mb, rng.pick(['\\Calendar', '\\Drafts']), rng.pick(CALENDAR_SUBJECTS), client, sessionId);
        }
      }
    }
  }

  // Clean-up of old sent mail: HardDelete from \Sent Items of a message sent on an earlier day. Never in an hour in
  // which the same user sent a message with the same subject, so the noise holds no send-and-delete pair.
  for (const { epoch, sender, msg } of sent) {
    if (!rng.chance(0.05)) continue;
    const deleted = epoch + rng.int(1, 2) * 86400 + rng.int(-3000, 3000);
    if (deleted >= at(DAYS, 0, 0, 0) || sendKeys.has(hourKey(sender, deleted, msg.subject))) continue;
    logs.deleteItems(deleted, 'HardDelete', sender, sender, '\\Sent Items', [{ msg }], OUTLOOK_RPC, rng.guid());
  }
}

// ───────────────────────────── planted positives and near misses ─────────────────────────────

function mailbox(tenant: Tenant, local: string): Mailbox {
  const mb = tenant.mailboxes.find((m) => m.upn === `${local}@${tenant.domain}`);
  if (mb === undefined) throw new Error(`no mailbox ${local}@${tenant.domain}`);
  return mb;
}

function plant(logs: Logs, rng: Rng, contoso: Tenant, fabrikam: Tenant): void {
  const tenants = [contoso, fabrikam];
  const delivered = (): string => 'Delivered';
  const session = (): string => rng.guid();

  // P1 — Send, then HardDelete from \Sent Items 16 minutes later (Outlook desktop). One attachment: the delete's
  // file_size comes from replace() on "name (Nb)". Trace and audit differ in the case of the address and MessageId.
  {
    const megan = mailbox(contoso, 'Megan.Bowen');
    const msg: Message = {
      id: '<MW4PR11MB58720D1E5C3B8A9F4E6D2C1B0A9@MW4PR11MB5872.namprd11.prod.outlook.com>',
      subject: 'Q3 Board Deck - FINAL',
      sizeInBytes: 4722000, // round(4722000/1024/1024, 2) = 4.5
      attachments: 'Q3_Board_Deck_FINAL.pptx (4718592b)', // 4718592 bytes = 4.5 MB exactly
    };
    logs.send(at(1, 13, 5, 41), megan, msg, OWA, session());
    logs.traceRow(contoso, msg, rng.guid(), at(1, 13, 5, 43), 'MEGAN.BOWEN@contoso.com', 'MBowen.Private@gmail.com', 'Delivered', '192.0.2.27', megan.clientIp, {
      messageId: '<MW4PR11MB58720D1E5C3B8A9F4E6D2C1B0A9@MW4PR11MB5872.NAMPRD11.PROD.OUTLOOK.COM>',
      ticks: 1234567,
    });
    logs.deleteItems(at(1, 13, 21, 7), 'HardDelete', megan, megan, '\\Sent Items', [{ msg }], OUTLOOK_RPC, session());
  }

  // P2 — SendAs the shared Finance mailbox; Alex then moves his Sent Items copy to Deleted Items, empties it and
  // purges it from \Recoverable Items\Deletions. Three attachments: file_name is multivalue and the delete's
  // file_size is null (D1). The trace's SenderAddress is the acting user (see README: SendAs and the join key).
  {
    const alex = mailbox(contoso, 'Alex.Wilber');
    const finance = mailbox(contoso, 'Finance');
    const msg: Message = {
      id: '<BY5PR08MB62301F7A3C5D9E2B4A6C8E0F1A3@BY5PR08MB6230.namprd08.prod.outlook.com>',
      subject: 'Updated remittance details',
      sizeInBytes: 263000, // 0.25
      attachments: 'Vendor_Bank_Details.xlsx (88064b); payment_run_2024-03.csv (24576b); IBAN list.docx (131072b)',
    };
    const s = session();
    logs.send(at(1, 15, 12, 9), alex, msg, OWA, s, { sendAs: finance });
    logs.deliver(at(1, 15, 12, 9), 'Alex.Wilber@contoso.com', alex, msg, ['Billing@WingtipToys.com'], tenants, delivered);
    logs.deleteItems(at(1, 15, 20, 30), 'MoveToDeletedItems', alex, alex, '\\Sent Items', [{ msg }], OWA, s);
    logs.deleteItems(at(1, 15, 20, 52), 'SoftDelete', alex, alex, '\\Deleted Items', [{ msg }], OWA, s);
    logs.deleteItems(at(1, 15, 34, 18), 'HardDelete', alex, alex, '\\Recoverable Items\\Deletions', [{ msg }], OWA, s);
  }

  // P3 — SendOnBehalf: Irvin sends on behalf of Lidia (SendAsUserSmtp is JSON null), to one internal and one
  // external recipient, subject padded with spaces, no attachments; HardDelete from \Sent Items.
  {
    const irvin = mailbox(contoso, 'Irvin.Sayers');
    const lidia = mailbox(contoso, 'Lidia.Holloway');
    const msg: Message = {
      id: '<SN6PR04MB4015E2C7A9B1D3F5E7A9C1B3D5E@SN6PR04MB4015.namprd04.prod.outlook.com>',
      subject: '  Acquisition target shortlist  ',
      sizeInBytes: 18432, // 0.02
    };
    logs.send(at(2, 10, 44, 19), irvin, msg, OUTLOOK_RPC, session(), { onBehalfOf: lidia, explicitNulls: true });
    logs.deliver(at(2, 10, 44, 19), 'Irvin.Sayers@contoso.com', irvin, msg, ['Diego.Siciliani@contoso.com', 'J.Rivera@Adatum.com'], tenants, delivered);
    logs.deleteItems(at(2, 10, 51, 2), 'HardDelete', irvin, irvin, '\\Sent Items', [{ msg }], OUTLOOK_RPC, session());
  }

  // P4 — second tenant: a Fabrikam user sends to a Contoso mailbox (external for Fabrikam) and purges the copy from
  // \Recoverable Items\Deletions. SendAsUserSmtp and SendOnBehalfOfUserSmtp are JSON null → sender is the owner UPN.
  // Contoso's inbound trace row for the same message is near miss N13.
  {
    const priya = mailbox(fabrikam, 'Priya.Raman');
    const msg: Message = {
      id: '<CH0PR13MB5140A8D6F4B2E0C8A6E4D2B0F8C@CH0PR13MB5140.namprd13.prod.outlook.com>',
      subject: 'Pricing model v7 (internal only)',
      sizeInBytes: 1835008, // 1.75
      attachments: 'pricing_model_v7.xlsx (786432b)', // 0.75
    };
    logs.send(at(1, 16, 2, 55), priya, msg, REST, session(), { explicitNulls: true });
    logs.deliver(at(1, 16, 2, 55), 'Priya.Raman@fabrikam.com', priya, msg, ['Nestor.Wilke@contoso.com'], tenants, delivered);
    logs.deleteItems(at(1, 16, 40, 11), 'HardDelete', priya, priya, '\\Recoverable Items\\Deletions', [{ msg }], REST, session());
  }

  // P5 — Send to two external recipients, then HardDelete of a *different* message with the same subject (an old
  // copy) in the same hour: found, because the detection pairs send and delete by subject+user+hour, not by
  // message id. The gmail recipient's trace row was returned twice by overlapping polls → count 2.
  {
    const lee = mailbox(contoso, 'Lee.Gu');
    const msg: Message = {
      id: '<PH0PR19MB7233C4E6A8B0D2F4A6C8E0B2D4F@PH0PR19MB7233.namprd19.prod.outlook.com>',
      subject: 'Customer list export',
      sizeInBytes: 1310720, // 1.25
      attachments: 'customers_full.csv (1245184b)', // 1.19
    };
    const oldCopy: Message = {
      id: '<PH0PR19MB72339B1D3F5A7C9E1B3D5F7A9C1@PH0PR19MB7233.namprd19.prod.outlook.com>',
      subject: 'Customer list export',
      sizeInBytes: 40960,
    };
    const traceId = rng.guid();
    logs.send(at(1, 9, 14, 55), lee, msg, OWA, session());
    logs.traceRow(contoso, msg, traceId, at(1, 9, 14, 57), 'Lee.Gu@contoso.com', 'leegu1988@gmail.com', 'Delivered', '192.0.2.44', lee.clientIp, { ticks: 4406120 });
    logs.traceRow(contoso, msg, traceId, at(1, 9, 14, 57), 'Lee.Gu@contoso.com', 'leegu1988@gmail.com', 'Delivered', '192.0.2.44', lee.clientIp, { ticks: 4406120, windowShift: -1800 });
    logs.traceRow(contoso, msg, traceId, at(1, 9, 14, 58), 'Lee.Gu@contoso.com', 'lee.gu@proton.me', 'Delivered', '2001:db8:5e::21', lee.clientIp, { ticks: 915003 });
    logs.deleteItems(at(1, 9, 47, 30), 'HardDelete', lee, lee, '\\Recoverable Items\\Deletions', [{ msg: oldCopy }], OWA, session());
  }

  // ── near misses: each is a send + hard delete to an external recipient except for one difference ──
  type Variant = {
    local: string;
    subject: string;
    recipient: string;
    send: number;
    del: number;
    operation?: 'SoftDelete' | 'HardDelete';
    folder?: string;
    status?: string;
    workload?: string;
    noTrace?: boolean;
    beforeMove?: boolean;
    deletesOlderCopy?: boolean;
  };
  const nearMiss = (v: Variant): void => {
    const mb = mailbox(contoso, v.local);
    const msg: Message = { id: logs.messageId(mb), subject: v.subject, sizeInBytes: rng.int(20000, 900000) };
    const s = session();
    logs.send(v.send, mb, msg, OWA, s, { workload: v.workload });
    if (!v.noTrace) logs.deliver(v.send, mb.upn, mb, msg, [v.recipient], tenants, () => v.status ?? 'Delivered');
    if (v.beforeMove) logs.deleteItems(v.del - 40, 'MoveToDeletedItems', mb, mb, '\\Sent Items', [{ msg }], OWA, s);
    const deleted = v.deletesOlderCopy ? { ...msg, id: logs.messageId(mb), sizeInBytes: 31000 } : msg;
    logs.deleteItems(v.del, v.operation ?? 'HardDelete', mb, mb, v.folder ?? '\\Sent Items', [{ msg: deleted }], OWA, s, { workload: v.workload });
  };

  // N1 — delete in the next clock hour (13:58 → 14:03): two stats groups with one operation each.
  nearMiss({ local: 'Nestor.Wilke', subject: 'Litigation hold list', recipient: 'nwilke.home@gmail.com', send: at(1, 13, 58, 12), del: at(1, 14, 3, 40) });
  // N2 — SoftDelete instead of HardDelete: the search only keeps HardDelete.
  nearMiss({ local: 'Johanna.Lorenz', subject: 'Supplier rate card', recipient: 'j.lorenz@proton.me', send: at(1, 11, 2, 7), del: at(1, 11, 25, 40), operation: 'SoftDelete' });
  // N3 — HardDelete from \Inbox (the user's own Bcc copy): folder not in the search's list.
  nearMiss({ local: 'Grady.Archie', subject: 'Engineering roadmap 2025', recipient: 'grady.a@outlook.com', send: at(2, 8, 30, 45), del: at(2, 8, 52, 3), folder: '\\Inbox' });
  // N4 — moved to Deleted Items, then HardDelete from \Deleted Items: folder not in the list.
  nearMiss({ local: 'Patti.Fernandez', subject: 'Salary bands FY24', recipient: 'pattif@proton.me', send: at(0, 16, 10, 0), del: at(0, 16, 31, 15), folder: '\\Deleted Items', beforeMove: true });
  // N5 — trace Status Failed: the main search keeps Status=Delivered only.
  nearMiss({ local: 'Debra.Berger', subject: 'Design files for review', recipient: 'debra.b@gmail.con', send: at(1, 10, 5, 30), del: at(1, 10, 20, 0), status: 'Failed' });
  // N6 — trace Status FilteredAsSpam.
  nearMiss({ local: 'Emily.Braun', subject: 'Partner contact sheet', recipient: 'e.braun@freemail.example', send: at(2, 14, 11, 11), del: at(2, 14, 38, 20), status: 'FilteredAsSpam' });
  // N7 — internal recipient: externalRecipient = 0.
  nearMiss({ local: 'Christie.Cline', subject: 'Offsite logistics', recipient: 'Miriam.Graham@contoso.com', send: at(1, 12, 15, 0), del: at(1, 12, 40, 0) });
  // N8 — recipient domain contains the organisation's first label ("contoso-partners.com"): match() → internal.
  nearMiss({ local: 'Henrietta.Mueller', subject: 'Channel margin sheet', recipient: 'ops@contoso-partners.com', send: at(2, 9, 5, 5), del: at(2, 9, 33, 33) });
  // N9 — same operations but Workload OneDrive: the search keeps Workload=Exchange only.
  nearMiss({ local: 'Isaiah.Langer', subject: 'Source code escrow', recipient: 'isaiah.l@gmail.com', send: at(2, 13, 0, 30), del: at(2, 13, 12, 12), workload: 'OneDrive' });
  // N10 — HardDelete of an older message with the same subject, before the send in the same hour:
  // firstTime < lastTime fails.
  nearMiss({ local: 'Lynne.Robbins', subject: 'Pipeline forecast', recipient: 'l.robbins@outlook.com', send: at(1, 17, 40, 0), del: at(1, 17, 10, 0), deletesOlderCopy: true });
  // N11 — send + HardDelete, but no message trace row for the message: nothing to join to.
  nearMiss({ local: 'Joni.Sherman', subject: 'Board minutes draft', recipient: 'joni.s@gmail.com', send: at(2, 15, 20, 0), del: at(2, 15, 45, 0), noTrace: true });

  // N12 — SendAs the Sales mailbox, HardDelete in the same hour, but the trace's SenderAddress is the mailbox sent
  // as, so user=lower(SenderAddress) never equals the audit's lower(UserId).
  {
    const diego = mailbox(contoso, 'Diego.Siciliani');
    const sales = mailbox(contoso, 'Sales');
    const msg: Message = { id: logs.messageId(diego), subject: 'Discount approval - Q2 renewals', sizeInBytes: 52000 };
    logs.send(at(2, 11, 3, 3), diego, msg, OWA, session(), { sendAs: sales });
    logs.deliver(at(2, 11, 3, 3), 'Sales@contoso.com', diego, msg, ['buyer@tailspintoys.com'], tenants, delivered);
    logs.deleteItems(at(2, 11, 29, 58), 'HardDelete', diego, diego, '\\Sent Items', [{ msg }], OWA, session());
  }

  // N14 — the purge is done by an eDiscovery service account on the sender's mailbox: the HardDelete's user is the
  // service account, so the sender's group holds the Send only.
  {
    const adele = mailbox(contoso, 'Adele.Vance');
    const svcEdiscovery = mailbox(contoso, 'svc-ediscovery');
    const msg: Message = { id: logs.messageId(adele), subject: 'Merger NDA draft', sizeInBytes: 77000 };
    logs.send(at(1, 11, 5, 0), adele, msg, OWA, session());
    logs.deliver(at(1, 11, 5, 0), adele.upn, adele, msg, ['counsel@woodgrovebank.com'], tenants, delivered);
    logs.deleteItems(at(1, 11, 30, 0), 'HardDelete', svcEdiscovery, adele, '\\Recoverable Items\\Deletions', [{ msg }], REST, session());
  }
}

// ───────────────────────────── entry points ─────────────────────────────

export function generateSampleLogs(): { management: string; trace: string } {
  const setupRng = new Rng(0x0365_0001);
  const contoso = makeTenant(setupRng, 'contoso.onmicrosoft.com', 'contoso.com', {
    person: CONTOSO_PEOPLE,
    shared: CONTOSO_SHARED,
    service: CONTOSO_SERVICE,
  });
  const fabrikam = makeTenant(setupRng, 'fabrikam.onmicrosoft.com', 'fabrikam.com', { person: FABRIKAM_PEOPLE });

  const noiseRng = new Rng(0x0365_0002);
  const logs = new Logs(noiseRng);
  generateNoise(logs, noiseRng, [contoso, fabrikam]);
  // Planted records draw their ids from their own stream so noise changes leave them untouched.
  const plantRng = new Rng(0x0365_0003);
  logs.useRng(plantRng);
  plant(logs, plantRng, contoso, fabrikam);
  return logs.render();
}

export function writeSampleLogs(outDir: string): void {
  const { management, trace } = generateSampleLogs();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, MANAGEMENT_FILE), management);
  writeFileSync(join(outDir, TRACE_FILE), trace);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outFlag = process.argv.indexOf('--out');
  const outDir = outFlag >= 0 ? resolve(process.argv[outFlag + 1] ?? '.') : dirname(fileURLToPath(import.meta.url));
  writeSampleLogs(outDir);
  process.stdout.write(`wrote ${join(outDir, MANAGEMENT_FILE)} and ${join(outDir, TRACE_FILE)}\n`);
}
