// Tab completion in the shell: what the word before the cursor can be, from where it stands in the query typed so
// far — a command after `|` or `[`, a macro inside backticks, a sourcetype or index after `sourcetype=`/`index=`,
// else a field name (of the sourcetype the query names, when it names a bound one) or a function.

export interface Vocabulary {
  commands: readonly string[];
  /** Eval and stats functions. */
  functions: readonly string[];
  /** Macro names as typed: `name` without arguments, `name(` with. */
  macros: readonly string[];
  sourcetypes: readonly string[];
  indexes: readonly string[];
  /** The field names of a sourcetype's events, or of all bound events. */
  fields(sourcetype?: string): Promise<readonly string[]>;
}

/** Characters of a word being completed (field names hold `.`, `{}`, `:`, `-`…). */
const WORD = /[A-Za-z0-9_.:{}*@$\-]*$/;

/** readline's completion answer: the candidates, and the word they replace. */
export async function completions(text: string, v: Vocabulary): Promise<[string[], string]> {
  const tick = text.lastIndexOf('`');
  if (tick >= 0 && (text.match(/`/g) ?? []).length % 2 === 1) {
    const word = text.slice(tick + 1);
    if (/^[\w-]*$/.test(word)) return [matching(word, v.macros.map((m) => (m.endsWith('(') ? m : m + '`'))), word];
  }
  const word = WORD.exec(text)![0];
  const before = text.slice(0, text.length - word.length);
  if (/[|[]\s*$/.test(before)) return [matching(word, v.commands.map((c) => c + ' ')), word];
  if (/\bsourcetype\s*!?=\s*"?$/i.test(before)) return [matching(word, v.sourcetypes), word];
  if (/\bindex\s*!?=\s*"?$/i.test(before)) return [matching(word, v.indexes), word];
  const named = [...text.matchAll(/\bsourcetype\s*=\s*"?([^\s"|\]]+)/gi)].map((m) => m[1]).find((st) => v.sourcetypes.includes(st));
  const fields = await v.fields(named);
  return [matching(word, [...fields, ...v.functions.map((f) => f + '(')]), word];
}

/** The candidates starting with `word`, ignoring case (Splunk's commands and functions are lower case). */
function matching(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  return [...new Set(candidates.filter((c) => c.toLowerCase().startsWith(w)))].sort();
}
