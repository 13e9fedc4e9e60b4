// Reading `name=value` command options: booleans and counts as Splunk writes them, one error message each.

import type * as A from '../ast/ast.ts';
import type { CompileContext } from './context.ts';

/** `true`/`t`/`1`/`yes` or `false`/`f`/`0`/`no`, case-insensitively. */
export function optionBool(o: A.CommandOption, ctx: CompileContext): boolean {
  const v = o.value.toLowerCase();
  if (['true', 't', '1', 'yes'].includes(v)) return true;
  if (['false', 'f', '0', 'no'].includes(v)) return false;
  throw ctx.error('compile_error', `${o.name} takes true or false, not '${o.value}'`, o.valueSpan);
}

/** A whole number (0 or more). */
export function optionCount(o: A.CommandOption, ctx: CompileContext): number {
  if (!/^\d+$/.test(o.value)) throw ctx.error('compile_error', `${o.name} takes a whole number, not '${o.value}'`, o.valueSpan);
  return Number(o.value);
}

/**
 * The options of a command by lower-cased name, each allowed at most once (the last wins); an option the
 * command does not take is unsupported, with the list of those it does.
 */
export function optionMap(cmd: A.Command & { options: A.CommandOption[] }, allowed: readonly string[], ctx: CompileContext): Map<string, A.CommandOption> {
  const map = new Map<string, A.CommandOption>();
  for (const o of cmd.options) {
    const name = o.name.toLowerCase();
    if (!allowed.includes(name)) {
      throw ctx.unsupported(`${cmd.command} option '${o.name}'`, o.span, allowed.length ? `${cmd.command} takes ${allowed.map((a) => `${a}=`).join(', ')}` : `${cmd.command} takes no options`);
    }
    map.set(name, o);
  }
  return map;
}
