// Sources in indexes (issue 9, item 5): --source SOURCETYPE@INDEX=PATH and the config's "index" give a source
// its index; index= terms choose which sources are read, as sourcetype= terms do.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText } from '../src/api.ts';
import { DuckhuntError } from '../src/errors.ts';
import { catalogFromFlags, loadConfig } from '../src/sources/catalog.ts';

const dir = mkdtempSync(join(tmpdir(), 'duckhunt-index-'));
const file = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, '{"_time": 1}\n');
  return path;
};
const fw = file('fw.ndjson');
const lab = file('lab.ndjson');
const auth = file('auth.ndjson');

describe('--source with an index', () => {
  it('SOURCETYPE@INDEX=PATH binds the index; without @ the index is main', () => {
    const { bindings } = catalogFromFlags([`fw:traffic@netfw=${fw}`, `fw:traffic@lab=${lab}`, `o365:management:activity=${auth}`]);
    expect(bindings.map((b) => [b.sourcetype, b.index, b.paths.length, b.timeField])).toEqual([
      ['fw:traffic', 'netfw', 1, '_time'],
      ['fw:traffic', 'lab', 1, '_time'],
      ['o365:management:activity', 'main', 1, 'CreationTime'],
    ]);
  });

  it('an index name Splunk would not take is an error naming it', () => {
    expect(() => catalogFromFlags([`fw@-bad=${fw}`])).toThrow(DuckhuntError);
    expect(() => catalogFromFlags([`fw@-bad=${fw}`])).toThrow(/invalid index name '-bad'/);
  });

  it('the config file\'s "index" key binds the index', () => {
    const config = join(dir, 'duckhunt.config.json');
    writeFileSync(config, JSON.stringify({ sources: [{ sourcetype: 'fw:traffic', path: 'fw.ndjson', index: 'netfw' }] }));
    expect(loadConfig(config).bindings.map((b) => b.index)).toEqual(['netfw']);
  });
});

describe('index= terms prune sources', () => {
  const bindings = catalogFromFlags([`fw:traffic@netfw=${fw}`, `fw:traffic@lab=${lab}`, `auth:log=${auth}`]).bindings;
  const read = (spl: string) => compileText(spl, { bindings }).bindings.map((b) => `${b.sourcetype}@${b.index}`);

  it('reads only the sources whose index can match', () => {
    expect(read('index=netfw | stats count')).toEqual(['fw:traffic@netfw']);
    expect(read('index=NET* OR index=main | stats count')).toEqual(['fw:traffic@netfw', 'auth:log@main']);
    expect(read('index IN (lab, netfw) sourcetype=fw:traffic | stats count')).toEqual(['fw:traffic@netfw', 'fw:traffic@lab']);
    expect(read('NOT index=main | stats count')).toEqual(['fw:traffic@netfw', 'fw:traffic@lab']);
    expect(read('index=* | stats count')).toEqual(['fw:traffic@netfw', 'fw:traffic@lab', 'auth:log@main']);
  });

  it('warns, at the value, about an index no source has', () => {
    const q = compileText('sourcetype=fw:traffic index=netwf | stats count', { bindings });
    expect(q.warnings.map((w) => [w.message.split(',')[0], w.column])).toEqual([
      ['index=netwf matches no bound source', 29],
      ['no source is bound to the sourcetypes and indexes this search names; the search returns no events (bind one with --source SOURCETYPE=PATH)', 1],
    ]);
    expect(compileText('index=lab | stats count', { bindings }).warnings).toEqual([]);
  });
});
