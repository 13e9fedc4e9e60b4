import { Engine } from '../src/engine/engine.ts';
import { timeExpression } from '../src/sources/scan.ts';
const engine = await Engine.create({ timezone: 'UTC' });
const c = engine.connection;
const f = process.argv[2];
const rj = `read_json(['${f}'], format = 'newline_delimited', records = true, columns = {'CreationTime': 'JSON'}, ignore_errors = true, filename = '_dh_file')`;
const v: Record<string, string> = {
  having: `SELECT _dh_file FROM (SELECT _dh_file, ${timeExpression(`dh_scalar("CreationTime")`)} AS t FROM ${rj}) GROUP BY _dh_file HAVING count(*) FILTER (WHERE t IS NULL) = 0`,
  counts: `SELECT _dh_file, count(*), count(*) FILTER (WHERE t IS NULL) FROM (SELECT _dh_file, ${timeExpression(`dh_scalar("CreationTime")`)} AS t FROM ${rj}) GROUP BY _dh_file`,
  alias: `SELECT _dh_file, count(*), count(*) FILTER (WHERE t IS NULL) FROM (SELECT _dh_file, ${timeExpression(`dh_scalar(k)`)} AS t FROM read_json(['${f}'], format = 'newline_delimited', records = true, columns = {'CreationTime': 'JSON'}, ignore_errors = true, filename = '_dh_file', maximum_object_size = 16777216) t(k, _dh_file)) GROUP BY _dh_file`,
};
for (let rep = 0; rep < 2; rep++) for (const [k, q] of Object.entries(v)) {
  const t = performance.now(); const u0 = process.cpuUsage();
  await c.runAndReadAll(q);
  const u = process.cpuUsage(u0);
  console.log(k, ((performance.now() - t) / 1000).toFixed(2), 'cpu', ((u.user + u.system) / 1e6).toFixed(2));
}
