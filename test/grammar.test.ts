// The grammar on its own (no macros): precedence, associativity, quoting, command argument shapes.
import { describe, expect, it } from 'vitest';
import { parsePipeline, SyntaxProblem } from '../grammar/index.ts';
import { Lexer } from 'chevrotain';
import { LEXER_OPTIONS } from '../grammar/lexer.ts';
import { SplParser } from '../grammar/parser.ts';
import { lexerDefinition } from '../grammar/tokens.ts';
import type * as A from '../src/ast/ast.ts';
import { FOREACH_PLACEHOLDER } from '../src/ast/ast.ts';

/** A compact, span-free rendering of expressions so that tests read like the SPL they check. */
function showSearch(e: A.SearchExpr | undefined): string {
  if (!e) return '<all>';
  switch (e.kind) {
    case 'and':
      return `(${e.items.map(showSearch).join(' AND ')})`;
    case 'or':
      return `(${e.items.map(showSearch).join(' OR ')})`;
    case 'not':
      return `NOT ${showSearch(e.expr)}`;
    case 'compare':
      return `${e.field.name}${e.op}${JSON.stringify(e.value.text)}`;
    case 'in':
      return `${e.field.name} IN [${e.values.map((v) => JSON.stringify(v.text)).join(',')}]`;
    case 'term':
      return `term:${JSON.stringify(e.value.text)}`;
    case 'directive':
      return `${e.directive}(${JSON.stringify(e.value.text)})`;
    case 'subsearch':
      return `[${e.pipeline.commands.map((c) => c.command).join('|')}]`;
  }
}

function showExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'field':
      return e.quoted ? `'${e.name}'` : e.name;
    case 'string':
      return JSON.stringify(e.value);
    case 'number':
      return e.text;
    case 'call':
      return `${e.name}(${e.args.map(showExpr).join(', ')})`;
    case 'binary':
      return `(${showExpr(e.left)} ${e.op} ${showExpr(e.right)})`;
    case 'unary':
      return `(${e.op} ${showExpr(e.operand)})`;
    case 'in':
      return `(${showExpr(e.operand)} IN [${e.values.map(showExpr).join(', ')}])`;
  }
}

const firstSearch = (q: string) => showSearch((parsePipeline(q).commands[0] as A.SearchCommand).expr);
const whereExpr = (expr: string) => showExpr((parsePipeline(`| where ${expr}`).commands[0] as A.WhereCommand).expr);
const command = <C extends A.Command>(q: string, i = 0) => parsePipeline(q).commands[i] as C;

function syntaxError(q: string): SyntaxProblem {
  try {
    parsePipeline(q);
  } catch (e) {
    if (e instanceof SyntaxProblem) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for: ${q}`);
}

describe('search precedence: OR binds tighter than AND', () => {
  it.each([
    ['a=1 b=2 OR c=3', '(a="1" AND (b="2" OR c="3"))'],
    ['a=1 AND b=2 OR c=3', '(a="1" AND (b="2" OR c="3"))'],
    ['a=1 OR b=2 c=3', '((a="1" OR b="2") AND c="3")'],
    ['a=1 OR b=2 AND c=3 OR d=4', '((a="1" OR b="2") AND (c="3" OR d="4"))'],
    ['error NOT 403 OR 404', '(term:"error" AND (NOT term:"403" OR term:"404"))'],
    ['NOT a=1 b=2', '(NOT a="1" AND b="2")'],
    ['(a=1 b=2) OR c=3', '((a="1" AND b="2") OR c="3")'],
    [
      'Workload=Exchange (Operation IN ("Send*")) OR (Operation IN ("HardDelete") AND Folder.Path IN ("\\\\Sent Items"))',
      '(Workload="Exchange" AND (Operation IN ["Send*"] OR (Operation IN ["HardDelete"] AND Folder.Path IN ["\\\\Sent Items"])))',
    ],
  ])('%s', (q, expected) => {
    expect(firstSearch(q)).toBe(expected);
  });

  it('lower-case and/or/not are search terms, not operators', () => {
    expect(firstSearch('a or b')).toBe('(term:"a" AND term:"or" AND term:"b")');
  });
});

describe('eval/where precedence: AND binds tighter than OR', () => {
  it.each([
    ['a=1 OR b=2 AND c=3', '((a = 1) OR ((b = 2) AND (c = 3)))'],
    ['a=1 AND b=2 OR c=3', '(((a = 1) AND (b = 2)) OR (c = 3))'],
    ['NOT a=1 AND b=2', '((NOT (a = 1)) AND (b = 2))'],
    ['a OR b XOR c', '((a OR b) XOR c)'],
    ['opcount > 1 AND firstTime < lastTime', '((opcount > 1) AND (firstTime < lastTime))'],
    ['x and y or z', '((x AND y) OR z)'],
  ])('%s', (q, expected) => {
    expect(whereExpr(q)).toBe(expected);
  });

  it('arithmetic is left-associative with * / % above + - .', () => {
    expect(whereExpr('a - b - c > 0')).toBe('(((a - b) - c) > 0)');
    expect(whereExpr('a / b / c > 0')).toBe('(((a / b) / c) > 0)');
    expect(whereExpr('a + b * c - d % e = 1')).toBe('(((a + (b * c)) - (d % e)) = 1)');
    expect(whereExpr('a . "-" . b == "x-y"')).toBe('(((a . "-") . b) == "x-y")');
    expect(whereExpr('-x * 2 < -3')).toBe('(((- x) * 2) < -3)');
  });

  it('function names are case-insensitive and IN/LIKE work infix and as functions', () => {
    expect(whereExpr('CASE(x IN ("a","b"), 1, true(), 2) = 1')).toBe('(case((x IN ["a", "b"]), 1, true(), 2) = 1)');
    expect(whereExpr('in(x, "a") AND like(y, "a%") OR z LIKE "b_"')).toBe('((in(x, "a") AND like(y, "a%")) OR (z LIKE "b_"))');
    expect(whereExpr('Match(lower(recipient), mvindex(split(lower(Organization),"."),0))')).toBe(
      'match(lower(recipient), mvindex(split(lower(Organization), "."), 0))',
    );
  });
});

describe('quoting and escapes', () => {
  it('search strings: \\\\ is one backslash, \\" a quote, other escapes stay', () => {
    const expr = (parsePipeline('Folder.Path IN ("\\\\Sent Items","\\\\Recoverable Items\\\\Deletions") x="say \\"hi\\"" y="\\s"').commands[0] as A.SearchCommand).expr as A.SearchAnd;
    const values = expr.items.flatMap((i) => (i.kind === 'in' ? i.values : i.kind === 'compare' ? [i.value] : []));
    expect(values.map((v) => v.text)).toEqual(['\\Sent Items', '\\Recoverable Items\\Deletions', 'say "hi"', '\\s']);
  });

  it('an escaped pipe does not split the pipeline', () => {
    const p = parsePipeline('x=a\\|b | head 1');
    expect(p.commands.map((c) => c.command)).toEqual(['search', 'head']);
    expect(firstSearch('x=a\\|b')).toBe('x="a|b"');
  });

  it('a pipe inside quotes does not split the pipeline', () => {
    expect(parsePipeline('x="a|b" | eval y="c|d"').commands).toHaveLength(2);
  });

  it("eval: 'single quotes' are field names, \"double quotes\" strings, \\t and \\\\ are escapes, \\d stays", () => {
    expect(whereExpr(`'Item.Subject'="Item.Subject"`)).toBe(`('Item.Subject' = "Item.Subject")`);
    const e = command<A.EvalCommand>('| eval a="C:\\\\windows\\temp", b="(\\d+)"').assignments;
    expect((e[0].expr as A.StringLit).value).toBe('C:\\windows\temp');
    expect((e[1].expr as A.StringLit).value).toBe('(\\d+)');
  });

  it('field names with dots, braces and dashes are single words in search and command arguments', () => {
    expect(firstSearch('AffectedItems{}.Subject=x Folder.Path=y')).toBe('(AffectedItems{}.Subject="x" AND Folder.Path="y")');
    const stats = command<A.StatsCommand>('| stats min(-time) as firstTime values(AffectedItems{}.Subject) by user');
    expect(stats.aggregations.map((a) => (a.arg?.kind === 'field' ? a.arg.field.name : ''))).toEqual(['-time', 'AffectedItems{}.Subject']);
  });

  it('eval accepts the published `-time = _time` assignment', () => {
    const e = command<A.EvalCommand>('| eval x=1, -time = _time,y=2');
    expect(e.assignments.map((a) => a.target.name)).toEqual(['x', '-time', 'y']);
  });

  it('CASE() and TERM() are match directives in search', () => {
    expect(firstSearch('CASE(Admin) TERM(10.0.0.1) case (x)')).toBe('(CASE("Admin") AND TERM("10.0.0.1") AND term:"case" AND term:"x")');
  });
});

describe('command arguments', () => {
  it('stats aggregations separated by commas or spaces, with AS and BY', () => {
    const s = command<A.StatsCommand>(
      '| stats values(sender) as sender, sum(file_size) as file_size values(Operation) AS signature, dc(Operation) as opcount, count by _time,subject user',
    );
    expect(s.aggregations.map((a) => [a.func, a.as?.name])).toEqual([
      ['values', 'sender'],
      ['sum', 'file_size'],
      ['values', 'signature'],
      ['dc', 'opcount'],
      ['count', undefined],
    ]);
    expect(s.by.map((f) => f.name)).toEqual(['_time', 'subject', 'user']);
  });

  it('stats count(eval(...)) parses the inner expression in the eval language', () => {
    const s = command<A.StatsCommand>('| stats count(eval(a-b > 1 AND c="x")) as n, dc(x) by y');
    const arg = s.aggregations[0].arg;
    expect(arg?.kind).toBe('eval');
    if (arg?.kind === 'eval') expect(showExpr(arg.expr)).toBe('(((a - b) > 1) AND (c = "x"))');
    expect(s.aggregations[1].func).toBe('dc');
  });

  it('eventstats and streamstats share the stats grammar', () => {
    expect(command<A.StatsCommand>('| eventstats count by x').command).toBe('eventstats');
    expect(command<A.StatsCommand>('| streamstats window=5 count').options[0]).toMatchObject({ name: 'window', value: '5' });
  });

  it.each([
    ['| join InternetMessageId, user, max=0 [ search x ]', ['InternetMessageId', 'user'], [['max', '0']]],
    ['| join type=left max=1 a b [ search x ]', ['a', 'b'], [['type', 'left'], ['max', '1']]],
    ['| join a overwrite=false, b [ search x ]', ['a', 'b'], [['overwrite', 'false']]],
  ])('join options before or after the fields: %s', (q, fields, options) => {
    const j = command<A.JoinCommand>(q);
    expect(j.fields.map((f) => f.name)).toEqual(fields);
    expect(j.options.map((o) => [o.name, o.value])).toEqual(options);
    expect(j.subsearch.commands[0].command).toBe('search');
  });

  it('bin and bucket with span and AS', () => {
    const b = command<A.BinCommand>('| bucket _time span=1h as hour');
    expect([b.alias, b.field.name, b.as?.name, b.options[0].value]).toEqual(['bucket', '_time', 'hour', '1h']);
  });

  it('convert with timeformat and several conversions', () => {
    const c = command<A.ConvertCommand>('| convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime) mktime(t) as u');
    expect(c.options[0].value).toBe('%Y-%m-%dT%H:%M:%S');
    expect(c.conversions.map((x) => [x.func, x.field.name, x.as?.name])).toEqual([
      ['ctime', 'firstTime', undefined],
      ['mktime', 't', 'u'],
    ]);
  });

  it('sort keys, limits and trailing desc', () => {
    const s = command<A.SortCommand>('| sort 0 -count, + user num(size) desc');
    expect(s.limit).toBe(0);
    expect(s.reverse).toBe(true);
    expect(s.keys.map((k) => [k.field.name, k.descending, k.collation])).toEqual([
      ['count', true, 'auto'],
      ['user', false, 'auto'],
      ['size', false, 'num'],
    ]);
  });

  it('rename, table, fields, dedup, head, tail, fillnull, mvexpand, rex', () => {
    expect(command<A.RenameCommand>('| rename a as b, "c d" AS e').renames.map((r) => [r.from.name, r.to.name])).toEqual([
      ['a', 'b'],
      ['c d', 'e'],
    ]);
    expect(command<A.TableCommand>('| table a, b c*').fields.map((f) => f.name)).toEqual(['a', 'b', 'c*']);
    expect(command<A.FieldsCommand>('| fields - _raw, x').mode).toBe('-');
    const d = command<A.DedupCommand>('| dedup 2 user src keepempty=true sortby -_time');
    expect([d.count, d.fields.map((f) => f.name), d.options[0].name, d.sortby[0].descending]).toEqual([2, ['user', 'src'], 'keepempty', true]);
    expect(command<A.HeadCommand>('| head 5').count).toBe(5);
    expect(command<A.TailCommand>('| tail 3').count).toBe(3);
    expect(command<A.FillnullCommand>('| fillnull value=NULL a b').fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(command<A.MvexpandCommand>('| mvexpand file_name limit=5').field.name).toBe('file_name');
    expect(command<A.RexCommand>('| rex field=x "(?<user>[^@]+)@(?<domain>\\\\S+)"').regex).toBe('(?<user>[^@]+)@(?<domain>\\S+)');
  });

  it('lookup, inputlookup, append, makeresults, spath, tstats, timechart, top', () => {
    const l = command<A.LookupCommand>('| lookup ut_shannon_lookup word as domain OUTPUT ut_shannon, ut_x as y');
    expect([l.table, l.inputs[0].as?.name, l.outputMode, l.outputs.map((o) => o.field.name)]).toEqual(['ut_shannon_lookup', 'domain', 'OUTPUT', ['ut_shannon', 'ut_x']]);
    const il = command<A.InputlookupCommand>('| inputlookup append=t users.csv where role=admin');
    expect([il.table, il.options[0].name, showSearch(il.where)]).toEqual(['users.csv', 'append', 'role="admin"']);
    expect(command<A.AppendCommand>('| append [ | makeresults count=2 ]', 0).subsearch.commands[0].command).toBe('makeresults');
    expect(command<A.SpathCommand>('| spath input=raw path=a.b{}.c output=x').options).toHaveLength(3);
    const ts = command<A.TstatsCommand>(
      '| tstats summariesonly=false count min(_time) as firstTime from datamodel=Endpoint.Processes where Processes.process_name=cmd.exe by Processes.dest Processes.user',
    );
    expect([`${ts.from?.name}=${ts.from?.value}`, showSearch(ts.where), ts.by.length, ts.aggregations.length]).toEqual(['datamodel=Endpoint.Processes', 'Processes.process_name="cmd.exe"', 2, 2]);
    const tc = command<A.TimechartCommand>('| timechart span=1h count by user');
    expect([tc.options[0].value, tc.by[0].name]).toEqual(['1h', 'user']);
    const top = command<A.TopCommand>('| rare limit=5 src by dest');
    expect([top.command, top.fields[0].name, top.by[0].name]).toEqual(['rare', 'src', 'dest']);
  });

  it('format, return, top N, chart, untable, transaction filters, appendpipe', () => {
    const f = command<A.FormatCommand>('| format mvsep="|" "[" "[" "&&" "]" "||" "]" maxresults=2');
    expect([f.options.map((o) => o.name), f.strings.map((x) => x.text)]).toEqual([['mvsep', 'maxresults'], ['[', '[', '&&', ']', '||', ']']]);
    expect(syntaxError('| format "(" "("').message).toContain('all six');
    const r = command<A.ReturnCommand>('| return 5 ip=src_ip user $host');
    expect([r.count, r.items.map((i) => `${i.kind}:${i.alias ?? ''}:${i.field.name}`)]).toEqual([5, ['alias:ip:src_ip', 'field::user', 'value::host']]);
    const t = command<A.TopCommand>('| top 3 user by host');
    expect([t.count, t.fields[0].name, t.by[0].name]).toEqual([3, 'user', 'host']);
    const c = command<A.ChartCommand>('| chart count over host span=10 by code limit=5');
    expect([c.over?.name, c.by[0].name, c.options.map((o) => o.name)]).toEqual(['host', 'code', ['span', 'limit']]);
    expect(syntaxError('| untable a b').message).toContain('three fields');
    const tx = command<A.TransactionCommand>('| transaction user maxspan=5m startswith=eval(a="x") endswith="action=out"');
    expect([tx.fields[0].name, tx.startswith?.kind, tx.endswith?.kind, tx.options[0].name]).toEqual(['user', 'eval', 'text', 'maxspan']);
    // appendpipe's pipeline runs over the current results: its first command is a command, not a search term.
    const ap = command<A.AppendpipeCommand>('x | appendpipe [stats count by user | eval a=1]', 1);
    expect(ap.subsearch.commands.map((x) => x.command)).toEqual(['stats', 'eval']);
  });

  it('an unknown command becomes a generic node with its raw arguments and subsearches', () => {
    const g = command<A.GenericCommand>('x | geostats latfield=lat count | frobnicate * [eval <<FIELD>>=1]', 1);
    expect([g.command, g.name, g.args]).toEqual(['generic', 'geostats', 'latfield=lat count']);
    const f = command<A.GenericCommand>('x | frobnicate * [eval <<FIELD>>="a|b" ] | head 1', 1);
    expect([f.name, f.args]).toEqual(['frobnicate', '* [eval <<FIELD>>="a|b" ]']);
  });

  it('regex takes an optional field with = or != before its quoted regex', () => {
    const r = command<A.RegexCommand>('x | regex process != "a\\\\b|c"', 1);
    expect([r.field?.name, r.negated, r.regex]).toEqual(['process', true, 'a\\b|c']);
    const raw = command<A.RegexCommand>('x | regex "^\\d+$"', 1);
    expect([raw.field, raw.negated, raw.regex]).toEqual([undefined, false, '^\\d+$']);
  });

  it('makemv, mvcombine, nomv, fromjson and iplocation take options and fields in any order', () => {
    const m = command<A.MakemvCommand>('x | makemv delim="," allowempty=t to', 1);
    expect([m.options.map((o) => `${o.name}=${o.value}`), m.fields.map((f) => f.name)]).toEqual([['delim=,', 'allowempty=t'], ['to']]);
    const f = command<A.FromjsonCommand>('x | fromjson Data prefix=j_', 1);
    expect([f.fields[0].name, f.options[0].value]).toEqual(['Data', 'j_']);
    const i = command<A.IplocationCommand>('x | iplocation allfields=true sourceIPs{}', 1);
    expect([i.command, i.fields[0].name]).toEqual(['iplocation', 'sourceIPs{}']);
  });

  it('foreach keeps its template as text and probes it with placeholder names', () => {
    const q = "x | foreach stdev_* fieldstr=F [eval anomalies=if('<<MATCHSTR>>' > F, \"[<<MATCHSTR>>]\", anomalies)] | table anomalies";
    const f = command<A.ForeachCommand>(q, 1);
    expect(f.template).toBe("eval anomalies=if('<<MATCHSTR>>' > F, \"[<<MATCHSTR>>]\", anomalies)");
    expect(q.slice(f.templateSpan.start, f.templateSpan.end)).toBe(f.template);
    const probe = f.probe.commands[0] as A.EvalCommand;
    // The probe's spans point into the query: the placeholder's marker name at the placeholder.
    const cond = (probe.assignments[0].expr as A.CallExpr).args[0] as A.BinaryExpr;
    expect(q.slice(cond.left.span.start, cond.left.span.end)).toBe("'<<MATCHSTR>>'");
    expect((cond.right as A.FieldExpr).name).toBe(`${FOREACH_PLACEHOLDER}field`);
    expect(command('x | foreach a* [eval y=1] | head 1', 2).command).toBe('head');
  });

  it('a syntax error inside a foreach template is reported at its place in the query', () => {
    const q = 'x | foreach a* [eval <<FIELD>> = (1]';
    expect(q.slice(syntaxError(q).span.start)).toBe(']');
  });

  it('a leading pipe starts with a generating command; subsearches may start with a pipe or a search', () => {
    expect(command('| makeresults').command).toBe('makeresults');
    const j = command<A.JoinCommand>('x | join a [| inputlookup t.csv ]', 1);
    expect(j.subsearch.commands[0].command).toBe('inputlookup');
  });
});

describe('spans', () => {
  it('every command records where it starts and ends', () => {
    const q = 'a=1 | eval x = 2 | stats count by x';
    const p = parsePipeline(q);
    expect(p.commands.map((c) => q.slice(c.span.start, c.span.end))).toEqual(['a=1', 'eval x = 2', 'stats count by x']);
    const e = p.commands[1] as A.EvalCommand;
    expect(q.slice(e.assignments[0].expr.span.start, e.assignments[0].expr.span.end)).toBe('2');
  });
});

describe('syntax errors carry the position of the offending token', () => {
  it.each([
    ['a=1 | eval x=', 13, 'the end of the query'],
    ['a=1 | stats count by', 20, 'the end of the query'],
    ['a="unterminated', 2, 'never closed'],
    ['a=1 | | head', 6, "expected a command name after '|'"],
    ['a=1 | join x', 12, "'['"],
    ['a=1 ]', 4, "unexpected ']'"],
    ['a=1 | join x [ search b', 13, 'never closed'],
    ['| eval x=(1+2', 13, "')'"],
    ['| where a=1 AND', 15, 'the end of the query'],
    ['| rename a b', 11, "'as'"],
    ['| eval x=foo{}.bar', 12, "unexpected '{'"],
    ['| eval x=a ! b', 11, "unexpected character '!'"],
    ['a=1 |', 5, "expected a command name"],
  ])('%s', (q, offset, message) => {
    const err = syntaxError(q);
    expect(err.span.start).toBe(offset);
    expect(err.message).toContain(message);
  });
});

describe('railroad diagram', () => {
  it('grammar/railroad.html is generated from the current grammar (npm run grammar:diagram)', async () => {
    const { readFileSync } = await import('node:fs');
    const { diagramHtml } = await import('../grammar/diagram.ts');
    const committed = readFileSync(new URL('../grammar/railroad.html', import.meta.url), 'utf8');
    expect(committed === diagramHtml(), 'grammar/railroad.html is stale: run npm run grammar:diagram').toBe(true);
  });
});

describe('grammar validations', () => {
  it("passes chevrotain's self-analysis checks, which the shared parser skips to start faster", () => {
    // A grammar error (an ambiguous alternation, left recursion, a duplicate rule) throws here.
    expect(() => new SplParser({ validate: true })).not.toThrow();
  });

  it("passes chevrotain's token-definition checks, which the shared lexer skips to start faster", () => {
    // An unreachable token, a pattern that matches the empty string, a mode naming a missing token… throws here.
    expect(() => new Lexer(lexerDefinition, { ...LEXER_OPTIONS, skipValidations: false })).not.toThrow();
  });
});
