// `lookup [local=t] [update=t] <table> <field> [AS <event_field>], … [OUTPUT|OUTPUTNEW <field> [AS <event_field>], …]`
// A table is a lookup definition or a lookup file of the loaded knowledge (src/knowledge/lookups.ts says how
// values match). Without OUTPUT every table field that is not matched on is written.

import type * as A from '../../ast/ast.ts';
import { confBoolean } from '../../knowledge/conf.ts';
import { defaultOutputs, lookupJoinSql, LookupProblem, resolveLookup, singleValued, type LookupDefinition } from '../../knowledge/lookups.ts';
import { sqlIdent } from '../../sql/quote.ts';
import type { CompileContext } from '../context.ts';
import type { CommandHandler, PipelineBuilder } from '../pipeline.ts';
import { fieldOf } from '../schema.ts';
import type { TypedSql } from '../types.ts';

export const lookup: CommandHandler<A.LookupCommand> = {
  compile(cmd, input, b) {
    for (const o of cmd.options) {
      const name = o.name.toLowerCase();
      // local= (run on the search head) and update= (reload the table) change nothing for local files.
      if (name === 'local' || name === 'update') optionBoolean(b, o);
      else throw b.ctx.unsupported(`lookup option '${o.name}'`, o.span, 'duckhunt runs lookup with local= and update= only');
    }
    const { def, columns } = lookupTable(b.ctx, cmd.table, cmd.tableSpan);
    const hasColumn = (f: A.FieldRef) => {
      if (!columns.includes(f.name)) throw b.ctx.error('compile_error', `the lookup table ${cmd.table} has no field '${f.name}' (its fields: ${columns.join(', ')})`, f.span);
    };
    const schema0 = input!.schema;
    const inputs = cmd.inputs.map((i) => {
      hasColumn(i.field);
      const f = schema0.get(i.as?.name ?? i.field.name);
      return { lookupField: i.field.name, value: f ? ({ sql: sqlIdent(f.column), type: f.type } as TypedSql) : undefined };
    });
    cmd.outputs.forEach((o) => hasColumn(o.field));
    const outputs =
      cmd.outputs.length > 0
        ? cmd.outputs.map((o) => ({ lookupField: o.field.name, eventField: o.as?.name ?? o.field.name }))
        : defaultOutputs(columns, inputs.map((i) => i.lookupField)).map((c) => ({ lookupField: c, eventField: c }));
    const single = singleValued({ def, inputs });
    let schema = schema0;
    const targets = outputs.map((o) => {
      const existing = schema0.get(o.eventField);
      const column = existing?.column ?? b.ctx.columns.columnFor(o.eventField);
      schema = schema.with(fieldOf(o.eventField, column, single ? 'str' : 'mv'));
      return { lookupField: o.lookupField, column, existing: existing ? ({ sql: sqlIdent(existing.column), type: existing.type } as TypedSql) : undefined };
    });
    const sql = lookupJoinSql({
      input: sqlIdent(input!.name),
      def,
      columns,
      inputs,
      outputs: targets,
      mode: cmd.outputMode ?? 'OUTPUT',
      name: (p) => b.ctx.name(p),
    });
    return b.add(cmd, sql, schema);
  },
};

/** The definition and columns of a lookup table the query names (now one of the files it reads), or a positioned error saying why not. */
export function lookupTable(ctx: CompileContext, name: string, span: A.Node['span']): { def: LookupDefinition; columns: string[] } {
  const k = ctx.options.knowledge;
  let def: LookupDefinition;
  try {
    def = resolveLookup(k, name);
  } catch (e) {
    if (e instanceof LookupProblem) throw ctx.error(e.kind, e.message, span, e.hint);
    throw e;
  }
  const columns = k.lookupColumns.get(def.file);
  const problem = k.lookupProblems.get(def.file);
  if (problem) throw ctx.error('knowledge_error', problem, span);
  if (!columns) throw ctx.error('knowledge_error', `the lookup table ${name} (${def.file}) was not read before compiling`, span, 'embedding duckhunt: call Engine.describeLookups before compiling, or use runText');
  ctx.lookupFiles.add(def.file);
  return { def, columns };
}

export function optionBoolean(b: PipelineBuilder, o: A.CommandOption): boolean {
  try {
    return confBoolean({ value: o.value, origin: '' }, o.name);
  } catch {
    throw b.ctx.error('compile_error', `${o.name} takes true or false, not '${o.value}'`, o.valueSpan);
  }
}
