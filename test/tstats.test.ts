// tstats end to end: detections written the way security_content writes them (tstats over CIM datasets with
// `security_content_summariesonly`, `drop_dm_object_name`, `security_content_ctime`), run over Sysmon and Windows
// Security events that duckhunt's own bundle maps onto the CIM datasets, each with planted positives and near
// misses (a different case, a missing field, a null by-field, the wrong EventCode, outside the time range); the
// same tstats over NDJSON and Parquet; and a user's own copy of a data model replacing the built-in one.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runText } from '../src/api.ts';
import { Engine } from '../src/engine/engine.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { loadKnowledge } from '../src/knowledge/index.ts';
import { readQueryFile } from '../src/query-file.ts';
import { catalogFromFlags, type SourceBinding } from '../src/sources/catalog.ts';
import { ATTACK_DATA, ATTACK_DATA_SKIPPED, CORPUS, CORPUS_SKIPPED } from './support/corpus.ts';

const tmp = mkdtempSync(join(tmpdir(), 'duckhunt-tstats-'));
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ timezone: 'UTC' });
});
afterAll(() => engine?.close());

const at = (hms: string) => `2024-03-01T${hms}Z`;
const epoch = (hms: string) => Date.parse(at(hms)) / 1000;

// Sysmon on a workstation. Planted positives are marked +, near misses −.
const ws = { Computer: 'ws1.corp' };
const sysmonEvents = [
  // whoami: + two (one written in capitals: values match case-insensitively), + one with no User (a null
  // by-field), − a process *terminated* event (EventCode 5), − a file that is not whoami.exe.
  { _time: at('10:00:05'), EventCode: '1', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', ParentImage: 'C:\\Windows\\System32\\cmd.exe', ProcessId: '201', ProcessGuid: '{A1}' },
  { _time: at('10:20:00'), EventCode: '1', ...ws, User: 'CORP\\bob', Image: 'C:\\Windows\\System32\\WHOAMI.EXE', CommandLine: 'WHOAMI', ParentImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', ProcessId: '202' },
  { _time: at('10:30:00'), EventCode: '5', ...ws, User: 'CORP\\carol', Image: 'C:\\Windows\\System32\\whoami.exe', ProcessId: '201' },
  { _time: at('10:40:00'), EventCode: '1', ...ws, User: 'CORP\\dave', Image: 'C:\\Tools\\whoami.exe.bak', CommandLine: 'whoami.exe.bak', ParentImage: 'C:\\Windows\\System32\\cmd.exe' },
  { _time: at('10:50:00'), EventCode: '1', ...ws, Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami', ParentImage: 'C:\\Windows\\System32\\cmd.exe' },
  // Office spawning a shell: + Word → cmd, + Excel → PowerShell, − Explorer → cmd.
  { _time: at('11:05:00'), EventCode: '1', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c calc', ParentImage: 'C:\\Program Files\\Microsoft Office\\WINWORD.EXE' },
  { _time: at('11:10:00'), EventCode: '1', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -enc AAAA', ParentImage: 'C:\\Program Files\\Microsoft Office\\EXCEL.EXE' },
  { _time: at('11:15:00'), EventCode: '1', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd', ParentImage: 'C:\\Windows\\explorer.exe' },
  // Run keys: + a value set under Run, − a value deleted there, − a value set elsewhere, − a process event that
  // happens to carry a TargetObject (EventCode 1 is not a registry event).
  { _time: at('12:00:00'), EventCode: '13', EventType: 'SetValue', ...ws, User: 'NT AUTHORITY\\SYSTEM', Image: 'C:\\Users\\Public\\dropper.exe', TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\updater', Details: 'C:\\Users\\Public\\u.exe' },
  { _time: at('12:05:00'), EventCode: '12', EventType: 'DeleteValue', ...ws, User: 'NT AUTHORITY\\SYSTEM', Image: 'C:\\Windows\\regedit.exe', TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\old' },
  { _time: at('12:10:00'), EventCode: '13', EventType: 'SetValue', ...ws, User: 'NT AUTHORITY\\SYSTEM', Image: 'C:\\Windows\\regedit.exe', TargetObject: 'HKLM\\SOFTWARE\\Other\\x', Details: '1' },
  { _time: at('12:15:00'), EventCode: '1', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\reg.exe', TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\fake', Details: 'x' },
  // Shortcut files in Temp: + one, − one on the Desktop, + one at 15:00 (outside a 12:00–14:00 window).
  { _time: at('13:00:00'), EventCode: '11', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\cmd.exe', TargetFilename: 'C:\\Users\\alice\\AppData\\Local\\Temp\\invoice.lnk' },
  { _time: at('13:10:00'), EventCode: '11', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\explorer.exe', TargetFilename: 'C:\\Users\\alice\\Desktop\\x.lnk' },
  { _time: at('15:00:00'), EventCode: '11', ...ws, User: 'CORP\\bob', Image: 'C:\\Windows\\System32\\cmd.exe', TargetFilename: 'C:\\Users\\bob\\AppData\\Local\\Temp\\late.lnk' },
  // Network connections: + mshta, − chrome. DNS: + a tunnel domain, − an ordinary one.
  { _time: at('14:00:00'), EventCode: '3', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\mshta.exe', Protocol: 'tcp', Initiated: 'true', SourceIp: '10.0.0.5', SourcePort: '50000', DestinationIp: '203.0.113.7', DestinationPort: '443' },
  { _time: at('14:05:00'), EventCode: '3', ...ws, User: 'CORP\\alice', Image: 'C:\\Program Files\\Google\\Chrome\\chrome.exe', Protocol: 'tcp', Initiated: 'true', SourceIp: '10.0.0.5', SourcePort: '50001', DestinationIp: '198.51.100.1', DestinationPort: '443' },
  { _time: at('14:10:00'), EventCode: '22', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\mshta.exe', QueryName: 'x.trycloudflare.com', QueryStatus: '0', QueryResults: '104.16.0.1;' },
  { _time: at('14:11:00'), EventCode: '22', ...ws, User: 'CORP\\alice', Image: 'C:\\Windows\\System32\\mshta.exe', QueryName: 'www.example.com', QueryStatus: '0', QueryResults: '93.184.216.34;' },
];

// Windows Security on a domain controller.
const dc = { Computer: 'dc1.corp' };
const securityEvents = [
  // Failed logons: + four for admin from one address within five minutes, − one for bob.
  ...['09:00:10', '09:01:00', '09:02:30', '09:03:59'].map((t) => ({ _time: at(t), EventCode: '4625', ...dc, TargetUserName: 'admin', IpAddress: '198.51.100.9', LogonType: '3', SubStatus: '0xc000006a' })),
  { _time: at('09:10:00'), EventCode: '4625', ...dc, TargetUserName: 'bob', IpAddress: '198.51.100.10', LogonType: '3' },
  // Successful logons: + admin, − a computer account (CIM's Authentication leaves those out).
  { _time: at('09:20:00'), EventCode: '4624', ...dc, TargetUserName: 'admin', IpAddress: '198.51.100.9', LogonType: '3' },
  { _time: at('09:30:00'), EventCode: '4624', ...dc, TargetUserName: 'WS1$', IpAddress: '10.0.0.5', LogonType: '3' },
  // An account created (+), and a process start recorded by Security auditing (+ for the whoami detection).
  { _time: at('09:40:00'), EventCode: '4720', ...dc, TargetUserName: 'backdoor', SubjectUserName: 'admin' },
  { _time: at('09:45:00'), EventCode: '4688', ...dc, SubjectUserName: 'svc', NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami', NewProcessId: '0x1f4' },
];

/**
 * A `--source` flag for Windows events written as NDJSON (the fields the XML would give), with the `source` value
 * Windows event collection gives them, so the built-in `[source::…]` props and event types apply to them. The
 * sourcetype is not XmlWinEventLog, whose props say KV_MODE = xml (no JSON fields would be extracted).
 */
function windowsLog(source: string, records: object[]): string {
  const file = join(tmp, 'logs', `${source.replace(/[^A-Za-z0-9]+/g, '_')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return `sourcetype=winevents:json,source=${source},path=${file}`;
}

let bindings: SourceBinding[];
let securityFlag: string;
beforeAll(() => {
  const sysmon = windowsLog('XmlWinEventLog:Microsoft-Windows-Sysmon/Operational', sysmonEvents);
  securityFlag = windowsLog('XmlWinEventLog:Security', securityEvents);
  bindings = catalogFromFlags([sysmon, securityFlag]).bindings;
});

const run = async (query: string, timeRange = {}) => (await runText(query, { bindings, engine, compile: { timeRange } })).rows;

describe('security_content-style tstats detections over Sysmon and Windows Security events', () => {
  it('whoami run anywhere: Sysmon and Security process starts, any case; a missing user is "null", wrong EventCodes and other files are not', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes ' +
        'where Processes.process_name=whoami.exe by Processes.dest Processes.user Processes.parent_process_name Processes.process_name ' +
        '| `drop_dm_object_name(Processes)` | `security_content_ctime(firstTime)` | `security_content_ctime(lastTime)`',
    );
    expect(rows).toEqual([
      { dest: 'dc1.corp', user: 'svc', parent_process_name: 'null', process_name: 'whoami.exe', count: 1, firstTime: '2024-03-01T09:45:00', lastTime: '2024-03-01T09:45:00' },
      { dest: 'ws1.corp', user: 'CORP\\alice', parent_process_name: 'cmd.exe', process_name: 'whoami.exe', count: 1, firstTime: '2024-03-01T10:00:05', lastTime: '2024-03-01T10:00:05' },
      { dest: 'ws1.corp', user: 'CORP\\bob', parent_process_name: 'powershell.exe', process_name: 'WHOAMI.EXE', count: 1, firstTime: '2024-03-01T10:20:00', lastTime: '2024-03-01T10:20:00' },
      { dest: 'ws1.corp', user: 'null', parent_process_name: 'cmd.exe', process_name: 'whoami.exe', count: 1, firstTime: '2024-03-01T10:50:00', lastTime: '2024-03-01T10:50:00' },
    ]);
  });

  it('without fillnull_value the row whose user is missing is dropped, as Splunk drops it', async () => {
    const rows = await run('| tstats count from datamodel=Endpoint.Processes where Processes.process_name=whoami.exe by Processes.dest Processes.user');
    expect(rows).toEqual([
      { 'Processes.dest': 'dc1.corp', 'Processes.user': 'svc', count: 1 },
      { 'Processes.dest': 'ws1.corp', 'Processes.user': 'CORP\\alice', count: 1 },
      { 'Processes.dest': 'ws1.corp', 'Processes.user': 'CORP\\bob', count: 1 },
    ]);
  });

  it('Office applications spawning a shell, per hour', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count from datamodel=Endpoint.Processes where Processes.parent_process_name IN ("winword.exe", "excel.exe", "powerpnt.exe") ' +
        'Processes.process_name IN ("cmd.exe", "powershell.exe") by _time span=1h Processes.dest Processes.parent_process_name Processes.process_name | `drop_dm_object_name(Processes)`',
    );
    expect(rows).toEqual([
      { _time: '2024-03-01T11:00:00.000+00:00', dest: 'ws1.corp', parent_process_name: 'EXCEL.EXE', process_name: 'powershell.exe', count: 1 },
      { _time: '2024-03-01T11:00:00.000+00:00', dest: 'ws1.corp', parent_process_name: 'WINWORD.EXE', process_name: 'cmd.exe', count: 1 },
    ]);
  });

  it('a Run key value set: not a deletion, not another key, not a process event carrying a registry path', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count from datamodel=Endpoint.Registry where Registry.registry_path="*\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run*" ' +
        'Registry.action=modified by Registry.dest Registry.user Registry.registry_key_name Registry.registry_value_name Registry.registry_value_data | `drop_dm_object_name(Registry)`',
    );
    expect(rows).toEqual([
      { dest: 'ws1.corp', user: 'NT AUTHORITY\\SYSTEM', registry_key_name: 'Run', registry_value_name: 'updater', registry_value_data: 'C:\\Users\\Public\\u.exe', count: 1 },
    ]);
  });

  it('a shortcut written to Temp: the one outside the time range and the one on the Desktop are not found', async () => {
    const query =
      '| tstats `security_content_summariesonly` count min(_time) as firstTime from datamodel=Endpoint.Filesystem where Filesystem.file_name="*.lnk" Filesystem.file_path="*\\\\Temp\\\\*" ' +
      'by Filesystem.dest Filesystem.file_name Filesystem.action | `drop_dm_object_name(Filesystem)`';
    expect(await run(query, { earliest: epoch('12:00:00'), latest: epoch('14:00:00') })).toEqual([
      { dest: 'ws1.corp', file_name: 'invoice.lnk', action: 'created', count: 1, firstTime: epoch('13:00:00') },
    ]);
    expect((await run(query)).map((r) => r.file_name)).toEqual(['invoice.lnk', 'late.lnk']);
  });

  it('a LOLBin talking to the network, its process name taken from the app path as security_content does', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count from datamodel=Network_Traffic.All_Traffic where All_Traffic.app IN ("*\\\\mshta.exe", "*\\\\regsvr32.exe") ' +
        'by All_Traffic.app All_Traffic.src_ip All_Traffic.dest_ip All_Traffic.dest_port | `drop_dm_object_name(All_Traffic)` | rex field=app ".*\\\\\\\\(?<process_name>.*)$" | rename app as process',
    );
    expect(rows).toEqual([{ process: 'C:\\Windows\\System32\\mshta.exe', src_ip: '10.0.0.5', dest_ip: '203.0.113.7', dest_port: '443', count: 1, process_name: 'mshta.exe' }]);
  });

  it('a DNS query for a tunnelling domain', async () => {
    const rows = await run('| tstats `security_content_summariesonly` count from datamodel=Network_Resolution where DNS.query="*.trycloudflare.com" by DNS.src DNS.query DNS.reply_code | `drop_dm_object_name(DNS)`');
    expect(rows).toEqual([{ src: 'ws1.corp', query: 'x.trycloudflare.com', reply_code: 'NoError', count: 1 }]);
  });

  it('failed logons from one source in five minutes (nodename=Authentication.Failed_Authentication)', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count from datamodel=Authentication where nodename=Authentication.Failed_Authentication ' +
        'by _time span=5m Authentication.src Authentication.user | `drop_dm_object_name(Authentication)` | where count >= 3',
    );
    expect(rows).toEqual([{ _time: '2024-03-01T09:00:00.000+00:00', src: '198.51.100.9', user: 'admin', count: 4 }]);
  });

  it('X76: successful logons leave out computer accounts, as CIM Authentication does', async () => {
    const rows = await run('| tstats count from datamodel=Authentication where nodename=Authentication.Successful_Authentication by Authentication.user Authentication.app');
    expect(rows).toEqual([{ 'Authentication.user': 'admin', 'Authentication.app': 'win:3', count: 1 }]);
  });

  it('a local account created (Change, Account_Management)', async () => {
    const rows = await run(
      '| tstats `security_content_summariesonly` count from datamodel=Change where nodename=All_Changes.Account_Management All_Changes.action=created ' +
        'by All_Changes.user All_Changes.Account_Management.src_user All_Changes.dest All_Changes.result_id All_Changes.object_category | `drop_dm_object_name(All_Changes)`',
    );
    expect(rows).toEqual([{ user: 'backdoor', 'Account_Management.src_user': 'admin', dest: 'dc1.corp', result_id: '4720', object_category: 'user', count: 1 }]);
  });

  it('a detection over a dataset no bound source feeds is an error, not "no findings"', async () => {
    // Security auditing records process starts (4688) but not registry changes: those come from Sysmon.
    const security = catalogFromFlags([securityFlag]).bindings;
    expect((await runText('| tstats count from datamodel=Endpoint.Processes by Processes.dest', { bindings: security, engine })).rows).toEqual([{ 'Processes.dest': 'dc1.corp', count: 1 }]);
    await expect(runText('| tstats count from datamodel=Endpoint.Registry by Registry.dest', { bindings: security, engine })).rejects.toThrow(
      'no bound source has events of the dataset Endpoint.Registry',
    );
  });
});

const IN_PLACE = CORPUS && ATTACK_DATA ? '' : ` (${CORPUS ? ATTACK_DATA_SKIPPED : CORPUS_SKIPPED})`;

describe.skipIf(IN_PLACE !== '')(`security_content's own detection over its attack_data, read in place${IN_PLACE}`, () => {
  it('Ivanti EPMM unauthenticated API access (tstats over Web) finds the request in the Suricata EVE file', async () => {
    const detection = readQueryFile(join(CORPUS!, 'detections', 'web', 'ivanti_epmm_remote_unauthenticated_api_access_cve_2023_35078.yml'));
    const eve = join(ATTACK_DATA!, 'datasets', 'attack_techniques', 'T1190', 'ivanti', 'suricata_ivanti_CVE202335078.log');
    const rows = (await runText(detection, { bindings: catalogFromFlags([`suricata=${eve}`]).bindings, engine })).rows;
    expect(rows).toEqual([
      {
        http_user_agent: 'python-requests/2.21.0',
        status: '200',
        http_method: 'GET',
        url: '/mifs/aad/api/v2/authorized/users?adminDeviceSpaceId=1',
        url_length: '54',
        src: '62.171.159.207',
        dest: 'apps.example.com',
        sourcetype: 'suricata',
        count: 1,
        firstTime: '2023-07-31T18:23:16',
        lastTime: '2023-07-31T18:23:16',
      },
    ]);
  });
});

describe('tstats over NDJSON and Parquet', () => {
  it('gives the same rows for the same events', async () => {
    const k = loadKnowledge([
      bundleDir({
        'default/props.conf': '[edr]\nFIELDALIAS-p = Image AS process_path host_name AS dest\nEVAL-process_name = replace(Image, "^.*\\\\\\\\", "")\n',
        'default/eventtypes.conf': '[edr_process]\nsearch = sourcetype=edr event=start\ntags = process report\n',
      }),
    ]);
    const file = join(tmp, 'edr.ndjson');
    const records = [
      { _time: at('10:00:00'), event: 'start', host_name: 'h1', Image: 'C:\\Windows\\System32\\CMD.EXE' },
      { _time: at('10:30:00'), event: 'start', host_name: 'h1', Image: 'C:\\Windows\\System32\\cmd.exe' },
      { _time: at('11:00:00'), event: 'stop', host_name: 'h2', Image: 'C:\\Windows\\System32\\cmd.exe' },
      { _time: at('11:30:00'), event: 'start', Image: 'C:\\Windows\\System32\\cmd.exe' },
    ];
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const json = catalogFromFlags([`edr=${file}`]).bindings;
    await ingest(engine, json[0], join(tmp, 'ds'), { overwrite: true });
    const parquet = await engine.describeSources(catalogFromFlags([`edr=${join(tmp, 'ds', 'edr')}`]).bindings);
    const query = '| tstats fillnull_value=none count values(Processes.process_name) as names from datamodel=Endpoint.Processes where Processes.process_name=cmd.exe by _time span=1h Processes.dest';
    const a = await runText(query, { bindings: json, engine, knowledge: k });
    const b = await runText(query, { bindings: parquet, engine, knowledge: k });
    expect(a.rows).toEqual([
      { _time: '2024-03-01T10:00:00.000+00:00', 'Processes.dest': 'h1', count: 2, names: ['CMD.EXE', 'cmd.exe'] },
      { _time: '2024-03-01T11:00:00.000+00:00', 'Processes.dest': 'none', count: 1, names: 'cmd.exe' },
    ]);
    expect(b.rows).toEqual(a.rows);
  });
});

describe('a user’s data models', () => {
  it('X72: a bundle’s data model replaces the built-in one of the same name, whole (Splunk_SA_CIM’s layout and JSON shape)', async () => {
    // The shape of Splunk's data model JSON: inherited BaseEvent fields listed with their owner, calculations with
    // ids and output fields, lineage. Written here for the test, not copied from Splunk_SA_CIM.
    const cim = bundleDir({
      'default/data/models/Endpoint.json': JSON.stringify({
        modelName: 'Endpoint',
        objects: [
          {
            objectName: 'Processes',
            parentName: 'BaseEvent',
            lineage: 'Processes',
            constraints: [{ search: 'sourcetype=edr2', owner: 'Processes' }],
            fields: [
              { fieldName: '_time', owner: 'BaseEvent', type: 'timestamp' },
              { fieldName: 'host', owner: 'BaseEvent', type: 'string' },
              { fieldName: 'dest', owner: 'Processes', type: 'string', required: false, multivalue: false },
            ],
            calculations: [
              {
                calculationID: 'p1',
                calculationType: 'Eval',
                owner: 'Processes',
                expression: 'if(isnull(dest) OR dest="", "unknown", dest)',
                outputFields: [{ fieldName: 'dest', owner: 'Processes', type: 'string' }],
              },
              {
                calculationID: 'p2',
                calculationType: 'Eval',
                owner: 'Processes',
                expression: 'lower(proc)',
                outputFields: [{ fieldName: 'process_name', owner: 'Processes', type: 'string' }],
              },
            ],
          },
        ],
      }),
    });
    const file = join(tmp, 'edr2.ndjson');
    writeFileSync(file, [{ _time: 2, dest: 'h1', proc: 'CMD.exe' }, { _time: 1, proc: 'cmd.exe' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const k = loadKnowledge([cim]);
    const rows = (await runText('| tstats count from datamodel=Endpoint.Processes by Processes.dest Processes.process_name', { bindings: catalogFromFlags([`edr2=${file}`]).bindings, engine, knowledge: k })).rows;
    expect(rows).toEqual([
      { 'Processes.dest': 'h1', 'Processes.process_name': 'cmd.exe', count: 1 },
      { 'Processes.dest': 'unknown', 'Processes.process_name': 'cmd.exe', count: 1 },
    ]);
    // The built-in model's other datasets went with it.
    await expect(runText('| tstats count from datamodel=Endpoint.Registry', { bindings: [], engine, knowledge: k })).rejects.toThrow("the data model Endpoint has no dataset 'Registry'");
  });
});

let bundles = 0;
function bundleDir(files: Record<string, string>): string {
  const dir = join(tmp, `bundle-${++bundles}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
