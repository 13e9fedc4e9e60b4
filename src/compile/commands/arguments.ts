// Checks shared by commands that take options and field names in any order (makemv, nomv, fromjson, iplocation…).

import type * as A from '../../ast/ast.ts';
import type { PipelineBuilder } from '../pipeline.ts';

/** The one field such a command names; none or several is a compile error at the command. */
export function soleField(cmd: A.Command & { fields: A.FieldRef[] }, b: PipelineBuilder, example: string): A.FieldRef {
  if (cmd.fields.length === 1) return cmd.fields[0];
  const at = cmd.fields[1]?.span ?? cmd.nameSpan;
  throw b.ctx.error('compile_error', `${cmd.command} takes ${cmd.fields.length === 0 ? 'a field' : 'exactly one field'}`, at, `e.g. ${example}`);
}
