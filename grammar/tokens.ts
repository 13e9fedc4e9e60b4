// Tokens of the SPL grammar, in three lexer modes.
//
// SPL is two languages glued by pipes: `search` (and the arguments of most commands) lexes words broadly —
// `Folder.Path`, `AffectedItems{}.Subject`, `-time`, `Send*`, `\\Sent Items` are single words — while `eval` and
// `where` lex an expression language with operators, numbers and 'quoted field names'. Which mode a command's
// arguments use is decided by the segmenter (grammar/lexer.ts), which knows the command name.
// `eval(` inside stats/timechart arguments (`count(eval(x>1))`) pushes the nested expression mode until its `)`.

import { createToken, Lexer, type TokenType } from 'chevrotain';

// ── Structure (emitted by the segmenter, never matched by a pattern) ──
export const Pipe = createToken({ name: 'Pipe', pattern: Lexer.NA, label: "'|'" });
export const LBracket = createToken({ name: 'LBracket', pattern: Lexer.NA, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: Lexer.NA, label: "']'" });
/** The argument text of a command duckhunt does not know: kept raw so `check` can name the command. */
export const RawArgs = createToken({ name: 'RawArgs', pattern: Lexer.NA, label: 'arguments' });
/** `[ … ]` after foreach, brackets included: a template whose placeholders are replaced before it is parsed. */
export const Template = createToken({ name: 'Template', pattern: Lexer.NA, label: "'[' template ']'" });

/** Command names: one token type per typed command; aliases share a type (the image tells which). */
function commandToken(name: string, words: string[]): TokenType {
  return createToken({ name, pattern: Lexer.NA, label: words.map((w) => `'${w}'`).join(' | ') });
}
export const ImplicitSearchCmd = commandToken('ImplicitSearchCmd', ['(implicit search)']);
export const SearchCmd = commandToken('SearchCmd', ['search']);
export const WhereCmd = commandToken('WhereCmd', ['where']);
export const EvalCmd = commandToken('EvalCmd', ['eval']);
export const BinCmd = commandToken('BinCmd', ['bin', 'bucket', 'discretize']);
export const JoinCmd = commandToken('JoinCmd', ['join']);
export const StatsCmd = commandToken('StatsCmd', ['stats', 'eventstats', 'streamstats']);
export const ConvertCmd = commandToken('ConvertCmd', ['convert']);
export const TableCmd = commandToken('TableCmd', ['table']);
export const FieldsCmd = commandToken('FieldsCmd', ['fields']);
export const RenameCmd = commandToken('RenameCmd', ['rename']);
export const SortCmd = commandToken('SortCmd', ['sort']);
export const HeadCmd = commandToken('HeadCmd', ['head']);
export const TailCmd = commandToken('TailCmd', ['tail']);
export const DedupCmd = commandToken('DedupCmd', ['dedup']);
export const RexCmd = commandToken('RexCmd', ['rex']);
export const FillnullCmd = commandToken('FillnullCmd', ['fillnull']);
export const MvexpandCmd = commandToken('MvexpandCmd', ['mvexpand']);
export const LookupCmd = commandToken('LookupCmd', ['lookup']);
export const InputlookupCmd = commandToken('InputlookupCmd', ['inputlookup']);
export const OutputlookupCmd = commandToken('OutputlookupCmd', ['outputlookup']);
export const AppendCmd = commandToken('AppendCmd', ['append']);
export const MakeresultsCmd = commandToken('MakeresultsCmd', ['makeresults']);
export const SpathCmd = commandToken('SpathCmd', ['spath']);
export const TstatsCmd = commandToken('TstatsCmd', ['tstats']);
export const FromCmd = commandToken('FromCmd', ['from']);
export const DatamodelCmd = commandToken('DatamodelCmd', ['datamodel']);
export const TimechartCmd = commandToken('TimechartCmd', ['timechart']);
export const TopCmd = commandToken('TopCmd', ['top', 'rare']);
// Reporting commands and subsearch results.
export const FormatCmd = commandToken('FormatCmd', ['format']);
export const ReturnCmd = commandToken('ReturnCmd', ['return']);
export const ChartCmd = commandToken('ChartCmd', ['chart']);
export const XyseriesCmd = commandToken('XyseriesCmd', ['xyseries']);
export const UntableCmd = commandToken('UntableCmd', ['untable']);
export const ReverseCmd = commandToken('ReverseCmd', ['reverse']);
export const FieldsummaryCmd = commandToken('FieldsummaryCmd', ['fieldsummary']);
export const TransactionCmd = commandToken('TransactionCmd', ['transaction']);
export const AddtotalsCmd = commandToken('AddtotalsCmd', ['addtotals']);
export const AppendpipeCmd = commandToken('AppendpipeCmd', ['appendpipe']);
// Multivalue, JSON, filtering and enrichment commands.
export const RegexCmd = commandToken('RegexCmd', ['regex']);
/** Commands whose arguments are options and field names in any order. */
export const OptionsAndFieldsCmd = commandToken('OptionsAndFieldsCmd', ['makemv', 'mvcombine', 'nomv', 'fromjson', 'iplocation', 'map', 'xmlkv']);
export const ForeachCmd = commandToken('ForeachCmd', ['foreach']);
export const ReplaceCmd = commandToken('ReplaceCmd', ['replace']);
export const GenericCmd = commandToken('GenericCmd', ['(any other command)']);

/** Lower-cased command word → its token type. Anything else is a GenericCmd. */
export const commandTokens: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ['search', SearchCmd],
  ['where', WhereCmd],
  ['eval', EvalCmd],
  ['bin', BinCmd],
  ['bucket', BinCmd],
  ['discretize', BinCmd],
  ['join', JoinCmd],
  ['stats', StatsCmd],
  ['eventstats', StatsCmd],
  ['streamstats', StatsCmd],
  ['convert', ConvertCmd],
  ['table', TableCmd],
  ['fields', FieldsCmd],
  ['rename', RenameCmd],
  ['sort', SortCmd],
  ['head', HeadCmd],
  ['tail', TailCmd],
  ['dedup', DedupCmd],
  ['rex', RexCmd],
  ['fillnull', FillnullCmd],
  ['mvexpand', MvexpandCmd],
  ['lookup', LookupCmd],
  ['inputlookup', InputlookupCmd],
  ['outputlookup', OutputlookupCmd],
  ['append', AppendCmd],
  ['makeresults', MakeresultsCmd],
  ['spath', SpathCmd],
  ['tstats', TstatsCmd],
  ['from', FromCmd],
  ['datamodel', DatamodelCmd],
  ['timechart', TimechartCmd],
  ['top', TopCmd],
  ['rare', TopCmd],
  ['format', FormatCmd],
  ['return', ReturnCmd],
  ['chart', ChartCmd],
  ['xyseries', XyseriesCmd],
  ['untable', UntableCmd],
  ['reverse', ReverseCmd],
  ['fieldsummary', FieldsummaryCmd],
  ['transaction', TransactionCmd],
  ['addtotals', AddtotalsCmd],
  ['appendpipe', AppendpipeCmd],
  ['regex', RegexCmd],
  ['makemv', OptionsAndFieldsCmd],
  ['mvcombine', OptionsAndFieldsCmd],
  ['nomv', OptionsAndFieldsCmd],
  ['fromjson', OptionsAndFieldsCmd],
  ['iplocation', OptionsAndFieldsCmd],
  ['map', OptionsAndFieldsCmd],
  ['xmlkv', OptionsAndFieldsCmd],
  ['foreach', ForeachCmd],
  ['replace', ReplaceCmd],
]);

// ── Shared by several modes ──
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, label: "'!='" });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, label: "'<='" });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, label: "'>='" });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, label: "'=='" });
export const Eq = createToken({ name: 'Eq', pattern: /=/, label: "'='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, label: "'>'" });
/** Double-quoted string; backslash escapes are processed by the parser (they differ between search and eval). */
export const QuotedString = createToken({ name: 'QuotedString', pattern: /"(?:[^"\\]|\\[\s\S])*"/, label: 'quoted string' });

// ── search mode ──
/** A search word: anything up to whitespace or one of ( ) = < > != , " [ ] |. Backslash escapes the next character. */
export const Word = createToken({
  name: 'Word',
  pattern: /(?:\\[^\s]|[^\s()=<>!,"[\]|\\]|!(?!=)|\\)+/,
  label: 'word',
});
// Search operators must be upper-case (lower-case `or` is an ordinary search term).
export const SearchAnd = createToken({ name: 'SearchAnd', pattern: /AND/, longer_alt: Word, label: "'AND'" });
export const SearchOr = createToken({ name: 'SearchOr', pattern: /OR/, longer_alt: Word, label: "'OR'" });
export const SearchNot = createToken({ name: 'SearchNot', pattern: /NOT/, longer_alt: Word, label: "'NOT'" });
export const SearchIn = createToken({ name: 'SearchIn', pattern: /IN/, longer_alt: Word, label: "'IN'" });
// Clause keywords of command arguments are case-insensitive.
export const As = createToken({ name: 'As', pattern: /as/i, longer_alt: Word, label: "'as'" });
export const By = createToken({ name: 'By', pattern: /by/i, longer_alt: Word, label: "'by'" });
/** `eval(` inside aggregation arguments: switches to the expression language until the matching `)`. */
export const EvalOpen = createToken({
  name: 'EvalOpen',
  pattern: /eval\s*\(/i,
  push_mode: 'nestedEval',
  label: "'eval('",
});

// ── eval mode ──
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: 'number',
});
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'name' });
/** 'Single quoted' = a field name in eval (needed for names with dots, braces, dashes…). */
export const SingleQuoted = createToken({ name: 'SingleQuoted', pattern: /'(?:[^'\\]|\\[\s\S])*'/, label: "'quoted field'" });
export const EvalAnd = createToken({ name: 'EvalAnd', pattern: /and/i, longer_alt: Identifier, label: "'AND'" });
export const EvalOr = createToken({ name: 'EvalOr', pattern: /or/i, longer_alt: Identifier, label: "'OR'" });
export const EvalXor = createToken({ name: 'EvalXor', pattern: /xor/i, longer_alt: Identifier, label: "'XOR'" });
export const EvalNot = createToken({ name: 'EvalNot', pattern: /not/i, longer_alt: Identifier, label: "'NOT'" });
export const EvalIn = createToken({ name: 'EvalIn', pattern: /in/i, longer_alt: Identifier, label: "'IN'" });
export const EvalLike = createToken({ name: 'EvalLike', pattern: /like/i, longer_alt: Identifier, label: "'LIKE'" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: /%/, label: "'%'" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
// Only valid inside an eval assignment's target (`eval inbound:outbound = …`, `eval {key} = …`).
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: "'}'" });
// In the nested mode parentheses are counted so the `)` that closes `eval(` returns to search mode.
export const NestedLParen = createToken({ name: 'NestedLParen', pattern: /\(/, push_mode: 'nestedEval', categories: [LParen], label: "'('" });
export const NestedRParen = createToken({ name: 'NestedRParen', pattern: /\)/, pop_mode: true, categories: [RParen], label: "')'" });

const evalTokens = (lparen: TokenType, rparen: TokenType): TokenType[] => [
  WhiteSpace,
  QuotedString,
  SingleQuoted,
  NumberLiteral,
  EvalAnd,
  EvalOr,
  EvalXor,
  EvalNot,
  EvalIn,
  EvalLike,
  Identifier,
  lparen,
  rparen,
  Comma,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Eq,
  Lt,
  Gt,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Dot,
  Colon,
  LCurly,
  RCurly,
];

export const lexerDefinition = {
  modes: {
    search: [
      WhiteSpace,
      QuotedString,
      EvalOpen,
      SearchAnd,
      SearchOr,
      SearchNot,
      SearchIn,
      As,
      By,
      LParen,
      RParen,
      Comma,
      NotEq,
      LtEq,
      GtEq,
      EqEq,
      Eq,
      Lt,
      Gt,
      Word,
    ],
    eval: evalTokens(LParen, RParen),
    nestedEval: evalTokens(NestedLParen, NestedRParen),
  },
  defaultMode: 'search',
};

export type LexerMode = keyof typeof lexerDefinition.modes;

/** Every token type the parser knows, for the parser's constructor and the railroad diagram. */
export const allTokens: TokenType[] = [
  Pipe,
  LBracket,
  RBracket,
  RawArgs,
  Template,
  ImplicitSearchCmd,
  GenericCmd,
  ...new Set(commandTokens.values()),
  ...new Set([...lexerDefinition.modes.search, ...lexerDefinition.modes.eval, ...lexerDefinition.modes.nestedEval]),
];
