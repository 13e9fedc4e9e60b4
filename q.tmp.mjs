import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
for (const sql of process.argv.slice(2)) {
  try { const r = await c.runAndReadAll(sql); console.log(JSON.stringify(r.getRowsJS(), (k,v)=> typeof v==='bigint'? Number(v): v)); } catch (e) { console.log('ERR', e.message); }
}
