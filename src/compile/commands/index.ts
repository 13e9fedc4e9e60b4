// Command name → its compiler. A command missing here is reported as unsupported with its position.

import type * as A from '../../ast/ast.ts';
import type { CommandHandler } from '../pipeline.ts';
import { addtotals } from './addtotals.ts';
import { append, appendpipe } from './append.ts';
import { bin } from './bin.ts';
import { chart, timechart } from './chart.ts';
import { convertCommand } from './convert.ts';
import { datamodel, from } from './datamodel.ts';
import { dedup, head, reverse, sort, tail } from './order.ts';
import { evalCommand } from './eval.ts';
import { fields, rename, table } from './fields.ts';
import { fieldsummary } from './fieldsummary.ts';
import { fillnull } from './fillnull.ts';
import { format, returnCommand } from './format.ts';
import { inputlookup } from './inputlookup.ts';
import { join } from './join.ts';
import { lookup } from './lookup.ts';
import { makeresults } from './makeresults.ts';
import { mvexpand } from './mvexpand.ts';
import { outputlookup } from './outputlookup.ts';
import { rex } from './rex.ts';
import { search } from './search.ts';
import { spath } from './spath.ts';
import { stats } from './stats.ts';
import { top } from './top.ts';
import { transaction } from './transaction.ts';
import { tstats } from './tstats.ts';
import { where } from './where.ts';
import { untable, xyseries } from './xyseries.ts';
import { foreach } from './foreach.ts';
import { fromjson } from './fromjson.ts';
import { iplocation } from './iplocation.ts';
import { makemv } from './makemv.ts';
import { map } from './map.ts';
import { xmlkv } from './xmlkv.ts';
import { mvcombine } from './mvcombine.ts';
import { nomv } from './nomv.ts';
import { regex } from './regex.ts';
import { replace } from './replace.ts';

type Handlers = { [K in A.Command['command']]?: CommandHandler<Extract<A.Command, { command: K }>> };

export const COMMANDS: Handlers = {
  search,
  where,
  eval: evalCommand,
  bin,
  join,
  stats,
  eventstats: stats,
  streamstats: stats,
  convert: convertCommand,
  table,
  fields,
  rename,
  sort,
  head,
  tail,
  dedup,
  fillnull,
  mvexpand,
  makeresults,
  rex,
  append,
  spath,
  lookup,
  inputlookup,
  outputlookup,
  tstats,
  from,
  datamodel,
  format,
  return: returnCommand,
  top,
  rare: top,
  reverse,
  appendpipe,
  addtotals,
  chart,
  timechart,
  xyseries,
  untable,
  fieldsummary,
  transaction,
  regex,
  makemv,
  mvcombine,
  nomv,
  fromjson,
  iplocation,
  map,
  xmlkv,
  foreach,
  replace,
};
