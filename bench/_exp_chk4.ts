import { Engine } from '../src/engine/engine.ts';
import { ndjsonLines, timeExpression } from '../src/sources/scan.ts';
const engine = await Engine.create({ timezone: 'UTC' });
const c = engine.connection;
const f = process.argv[2];
for (let rep = 0; rep < 2; rep++) {
let t = performance.now(); let u0 = process.cpuUsage();
await c.runAndReadAll(`SELECT _dh_file FROM (SELECT _dh_file, ${timeExpression(`dh_scalar("CreationTime")`)} AS t FROM read_json(['${f}'], format = 'newline_delimited', records = true, columns = {'CreationTime': 'JSON'}, ignore_errors = true, filename = '_dh_file')) GROUP BY _dh_file HAVING count(*) FILTER (WHERE t IS NULL) = 0`);
let u = process.cpuUsage(u0);
console.log('read_json', ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((u.user + u.system) / 1e6).toFixed(2));
t = performance.now(); u0 = process.cpuUsage();
await c.run(`SELECT count(*) FROM ${ndjsonLines([f], false, { table: 'rj', scans: 'rs' })}`);
u = process.cpuUsage(u0);
console.log('lines', ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((u.user + u.system) / 1e6).toFixed(2));
t = performance.now(); u0 = process.cpuUsage();
await c.run(`SELECT count(*) FROM read_json(['${f}'], format = 'newline_delimited', records = true, columns = {'CreationTime': 'JSON'}, ignore_errors = true)`);
u = process.cpuUsage(u0);
console.log('read_json count only', ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((u.user + u.system) / 1e6).toFixed(2));
}
