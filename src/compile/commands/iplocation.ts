// `iplocation [prefix=p] [allfields=b] [lang=xx] field`: the location of the IP address in the field, from the
// MaxMind database the user points at (--geoip): City, Country, Region, lat, lon, and with allfields=true also
// Continent, MetroCode, Timezone (each named prefix + name). An address the database locates gets every field,
// empty where the database has no value; an address it does not locate (a private one, text that is not an
// address) gets none, and the row keeps any fields of those names (decision X110). The rows are materialized,
// the engine looks up each distinct address once (engine/geoip.ts), and the rows are joined with what it found.

import type * as A from '../../ast/ast.ts';
import { sqlIdent } from '../../sql/quote.ts';
import { convert } from '../expr.ts';
import type { CommandHandler, GeoField } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import { soleField } from './arguments.ts';
import { optionBoolean } from './lookup.ts';
import { optionMap } from '../options.ts';

const DEFAULT_FIELDS: GeoField[] = ['City', 'Country', 'Region', 'lat', 'lon'];
const ALL_FIELDS: GeoField[] = ['City', 'Continent', 'Country', 'MetroCode', 'Region', 'Timezone', 'lat', 'lon'];

export const iplocation: CommandHandler<A.IplocationCommand> = {
  compile(cmd, input, b) {
    const ref = soleField(cmd, b, 'iplocation src_ip');
    const opts = optionMap(cmd, ['prefix', 'allfields', 'lang'], b.ctx);
    const file = b.ctx.options.geoip;
    if (!file) {
      throw b.ctx.error('compile_error', 'iplocation needs a GeoIP database', cmd.nameSpan, 'point at a MaxMind database with --geoip FILE (e.g. GeoLite2-City.mmdb)');
    }
    const prefix = opts.get('prefix')?.value ?? '';
    const fields = opts.has('allfields') && optionBoolean(b, opts.get('allfields')!) ? ALL_FIELDS : DEFAULT_FIELDS;
    const lang = opts.get('lang')?.value ?? 'en';
    const source = input!.schema.get(ref.name);
    if (source?.type === 'mv') {
      b.ctx.warn(`iplocation looks up one address: a row whose ${ref.name} has several values gets no location (decision D1)`, ref.span);
    }
    const ipOf = (rows: string) => (source ? convert.str({ sql: `${rows}${sqlIdent(source.column)}`, type: source.type }) : 'NULL::VARCHAR');
    const geo = { file, ip: ipOf(''), table: b.ctx.name('dh_geo'), fields, lang };
    const rows = b.materialize(cmd, input!, { geo });
    let schema = rows.schema;
    const cols = fields.map((g) => {
      const name = prefix + g;
      const existing = schema.get(name);
      const column = existing?.column ?? b.ctx.columns.columnFor(name);
      const kept = existing ? convert.str({ sql: `dh_r.${sqlIdent(existing.column)}`, type: existing.type }) : 'NULL';
      schema = schema.with(fieldOf(name, column, 'str'));
      return { column, sql: `CASE WHEN dh_g.ip IS NOT NULL THEN dh_g.${sqlIdent(g)} ELSE ${kept} END`, replaces: existing !== undefined };
    });
    const replaced = cols.filter((c) => c.replaces).map((c) => sqlIdent(c.column));
    const sql =
      `SELECT dh_r.*${replaced.length ? ` EXCLUDE (${replaced.join(', ')})` : ''}, ${cols.map((c) => `${c.sql} AS ${sqlIdent(c.column)}`).join(', ')}\n` +
      `FROM ${sqlIdent(rows.name)} dh_r LEFT JOIN ${sqlIdent(geo.table)} dh_g ON dh_g.ip = ${ipOf('dh_r.')}`;
    return b.add(cmd, sql, schema);
  },
};
