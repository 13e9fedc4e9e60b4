// Reads Splunk `macros.conf` (with the shared .conf reader, src/knowledge/conf.ts): `[name]` / `[name(N)]` stanzas
// with `definition`, `args` and `iseval`; other keys (description, validation, errormsg, …) are accepted and
// ignored.

import { Conf, confBoolean, confError, parseConf, type ConfSetting, type ConfStanza } from '../knowledge/conf.ts';
import { ARG_NAME, type MacroDefinition } from './library.ts';

export function parseMacrosConf(text: string, file: string): MacroDefinition[] {
  return macrosFromConf(new Conf([parseConf(text, file, 'macro_error')]));
}

/** The macros of a (possibly layered) macros.conf, in the order their stanzas first appear. */
export function macrosFromConf(conf: Conf): MacroDefinition[] {
  return conf.stanzas().map(toDefinition);
}

function toDefinition(stanza: ConfStanza): MacroDefinition {
  const header = /^([^()\s]+)(?:\((\d+)\))?$/.exec(stanza.name);
  if (!header) throw confError('macro_error', stanza.origin, `invalid macro stanza [${stanza.name}]: expected [name] or [name(N)]`);
  const name = header[1];
  const arity = header[2] === undefined ? 0 : Number(header[2]);
  const definition = stanza.settings.get('definition');
  if (!definition?.value) throw confError('macro_error', stanza.origin, `stanza [${stanza.name}] has no \`definition\``);
  const argsSetting = stanza.settings.get('args');
  const args = argsSetting ? parseArgNames(argsSetting) : [];
  if (args.length !== arity) {
    throw confError(
      'macro_error',
      argsSetting?.origin ?? stanza.origin,
      `stanza [${stanza.name}] declares ${arity} argument(s) but \`args\` names ${args.length} ` +
        `(a macro taking N arguments is the stanza [name(N)] with N names in \`args\`)`,
    );
  }
  const iseval = stanza.settings.get('iseval');
  return {
    name,
    args,
    definition: definition.value,
    iseval: iseval ? confBoolean(iseval, 'iseval', 'macro_error') : false,
    origin: stanza.origin,
  };
}

function parseArgNames(setting: ConfSetting): string[] {
  if (setting.value.trim() === '') return [];
  const names = setting.value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!ARG_NAME.test(name)) {
      throw confError('macro_error', setting.origin, `invalid argument name \`${name}\` in \`args\`: use letters, digits, _ and -`);
    }
  }
  return names;
}
