// The SPL parser: one chevrotain grammar for the pipeline, the two expression languages and every typed command.
// It is an embedded-actions parser: each rule returns its AST node directly (with its span), so there is no
// separate CST walk to keep in step with the grammar. `getSerializedGastProductions()` still gives the full
// grammar for the railroad diagram (npm run grammar:diagram).
//
// Precedence, lowest first:
//   search: implicit/explicit AND  <  OR  <  NOT  <  parentheses / terms       (OR binds tighter than AND)
//   eval:   XOR  <  OR  <  AND  <  NOT  <  comparison  <  + - .  <  * / %  <  unary -  <  primary

import { EmbeddedActionsParser, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import type * as A from '../src/ast/ast.ts';
import type { Span } from '../src/errors.ts';
import { SyntaxProblem, tokenSpan } from './lexer.ts';
import { LazyLookaheadStrategy } from './lazy-lookahead.ts';
import * as T from './tokens.ts';

const describe = (t: IToken): string => (t.tokenType.name === 'EOF' ? 'the end of the query' : `'${t.image}'`);
const labelOf = (t: TokenType): string => t.LABEL ?? t.name;

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${labelOf(expected)} but found ${describe(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describe(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => {
    const firsts = new Set<string>();
    for (const alt of expectedPathsPerAlt) for (const path of alt) if (path[0]) firsts.add(labelOf(path[0]));
    const list = [...firsts].slice(0, 8).join(', ');
    return `expected ${list || describeRule(ruleName)} but found ${describe(actual[0])}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual, ruleName }) => {
    const firsts = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) firsts.add(labelOf(path[0]));
    return `expected at least one ${describeRule(ruleName)} (${[...firsts].slice(0, 6).join(', ')}) but found ${describe(actual[0])}`;
  },
};

function describeRule(rule: string): string {
  return rule.replace(/([A-Z])/g, ' $1').toLowerCase();
}

const span = (start: Span | IToken, end: Span | IToken): Span => ({
  start: 'startOffset' in start ? start.startOffset : start.start,
  end: 'startOffset' in end ? end.endOffset! + 1 : end.end,
});

/** Search-language string: `\\` → `\`, `\"` → `"`, `\|` → `|`; every other backslash stays (Splunk search quoting rules). */
export function unescapeSearch(raw: string): string {
  return raw.replace(/\\([\\"|])/g, '$1');
}

/** Eval string literal: `\\`, `\"`, `\t`, `\n`, `\r` are escapes; other backslashes stay (so regex `\d` survives). */
export function unescapeEval(raw: string): string {
  return raw.replace(/\\([\\"tnr])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
}

function searchValue(t: IToken): A.SearchValue {
  const quoted = t.tokenType === T.QuotedString;
  return { text: unescapeSearch(quoted ? t.image.slice(1, -1) : t.image), quoted, span: tokenSpan(t) };
}

const isNumeric = (s: string) => /^\d+$/.test(s);

export class SplParser extends EmbeddedActionsParser {
  /**
   * `validate` runs chevrotain's grammar validations (ambiguities, left recursion…) during self-analysis. They
   * cost most of the parser's start-up, so the shared parser skips them and a test builds one with them on.
   */
  constructor({ validate = false }: { validate?: boolean } = {}) {
    super(T.allTokens, {
      maxLookahead: 3,
      lookaheadStrategy: new LazyLookaheadStrategy({ maxLookahead: 3 }),
      errorMessageProvider: messages,
      recoveryEnabled: false,
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  /** CASE(term) / TERM(term): only when the directive word touches its parenthesis. */
  private isDirective(word: IToken): boolean {
    return /^(case|term)$/i.test(word.image) && this.adjacent(word, this.LA(1));
  }

  private semanticError(message: string, at: Span): SyntaxProblem {
    return new SyntaxProblem(message, at);
  }

  /** Set while parsing a `where` clause that a `by` clause may follow (tstats), so `by` ends the search. */
  private searchStopsAtBy = 0;

  /** Tokens are adjacent when nothing (not even a space) separates them. */
  private adjacent(a: IToken, b: IToken): boolean {
    return a.endOffset! + 1 === b.startOffset;
  }

  // ─────────────────────────────── pipeline ───────────────────────────────

  public query = this.RULE('query', (): A.Pipeline => this.SUBRULE(this.pipeline));

  public pipeline = this.RULE('pipeline', (): A.Pipeline => {
    const commands: A.Command[] = [];
    this.OPTION(() => this.CONSUME(T.Pipe));
    commands.push(this.SUBRULE(this.command));
    this.MANY(() => {
      this.CONSUME2(T.Pipe);
      commands.push(this.SUBRULE2(this.command));
    });
    return this.ACTION(() => ({ commands, span: span(commands[0].span, commands[commands.length - 1].span) }));
  });

  private subsearch = this.RULE('subsearch', (): A.Pipeline => {
    const open = this.CONSUME(T.LBracket);
    const p = this.SUBRULE(this.pipeline);
    const close = this.CONSUME(T.RBracket);
    return this.ACTION(() => ({ ...p, span: span(open, close) }));
  });

  private command = this.RULE('command', (): A.Command =>
    this.OR([
      { ALT: () => this.SUBRULE(this.searchCommand) },
      { ALT: () => this.SUBRULE(this.whereCommand) },
      { ALT: () => this.SUBRULE(this.evalCommand) },
      { ALT: () => this.SUBRULE(this.binCommand) },
      { ALT: () => this.SUBRULE(this.joinCommand) },
      { ALT: () => this.SUBRULE(this.statsCommand) },
      { ALT: () => this.SUBRULE(this.convertCommand) },
      { ALT: () => this.SUBRULE(this.tableCommand) },
      { ALT: () => this.SUBRULE(this.fieldsCommand) },
      { ALT: () => this.SUBRULE(this.renameCommand) },
      { ALT: () => this.SUBRULE(this.sortCommand) },
      { ALT: () => this.SUBRULE(this.headCommand) },
      { ALT: () => this.SUBRULE(this.tailCommand) },
      { ALT: () => this.SUBRULE(this.dedupCommand) },
      { ALT: () => this.SUBRULE(this.rexCommand) },
      { ALT: () => this.SUBRULE(this.fillnullCommand) },
      { ALT: () => this.SUBRULE(this.mvexpandCommand) },
      { ALT: () => this.SUBRULE(this.lookupCommand) },
      { ALT: () => this.SUBRULE(this.inputlookupCommand) },
      { ALT: () => this.SUBRULE(this.outputlookupCommand) },
      { ALT: () => this.SUBRULE(this.appendCommand) },
      { ALT: () => this.SUBRULE(this.makeresultsCommand) },
      { ALT: () => this.SUBRULE(this.spathCommand) },
      { ALT: () => this.SUBRULE(this.tstatsCommand) },
      { ALT: () => this.SUBRULE(this.fromCommand) },
      { ALT: () => this.SUBRULE(this.datamodelCommand) },
      { ALT: () => this.SUBRULE(this.timechartCommand) },
      { ALT: () => this.SUBRULE(this.topCommand) },
      // reporting commands and subsearch results
      { ALT: () => this.SUBRULE(this.formatCommand) },
      { ALT: () => this.SUBRULE(this.returnCommand) },
      { ALT: () => this.SUBRULE(this.chartCommand) },
      { ALT: () => this.SUBRULE(this.xyseriesCommand) },
      { ALT: () => this.SUBRULE(this.untableCommand) },
      { ALT: () => this.SUBRULE(this.reverseCommand) },
      { ALT: () => this.SUBRULE(this.fieldsummaryCommand) },
      { ALT: () => this.SUBRULE(this.transactionCommand) },
      { ALT: () => this.SUBRULE(this.addtotalsCommand) },
      { ALT: () => this.SUBRULE(this.appendpipeCommand) },
      { ALT: () => this.SUBRULE(this.regexCommand) },
      { ALT: () => this.SUBRULE(this.optionsAndFieldsCommand) },
      { ALT: () => this.SUBRULE(this.foreachCommand) },
      { ALT: () => this.SUBRULE(this.replaceCommand) },
      { ALT: () => this.SUBRULE(this.genericCommand) },
    ]),
  );

  /** Span from the command word to the last token consumed so far. */
  private commandSpan(name: IToken): Span {
    const last = this.LA(0);
    return span(name, last.endOffset !== undefined && last.endOffset >= name.startOffset ? last : name);
  }

  // ─────────────────────────────── search ───────────────────────────────

  private searchCommand = this.RULE('searchCommand', (): A.SearchCommand => {
    const name = this.OR([{ ALT: () => this.CONSUME(T.ImplicitSearchCmd) }, { ALT: () => this.CONSUME(T.SearchCmd) }]);
    const expr = this.OPTION(() => this.SUBRULE(this.searchExpr));
    return this.ACTION(() => ({
      command: 'search',
      expr,
      implicit: name.tokenType === T.ImplicitSearchCmd,
      nameSpan: tokenSpan(name),
      span: expr ? span(name.image ? name : expr.span, expr.span) : tokenSpan(name),
    }));
  });

  /** Lowest level: implicit or explicit AND. */
  public searchExpr = this.RULE('searchExpr', (): A.SearchExpr => {
    const items: A.SearchExpr[] = [this.SUBRULE(this.searchOr)];
    this.MANY({
      GATE: () => !(this.searchStopsAtBy > 0 && this.LA(1).tokenType === T.By),
      DEF: () => {
        this.OPTION(() => this.CONSUME(T.SearchAnd));
        items.push(this.SUBRULE2(this.searchOr));
      },
    });
    return this.ACTION(() => (items.length === 1 ? items[0] : { kind: 'and', items, span: span(items[0].span, items[items.length - 1].span) }));
  });

  private searchOr = this.RULE('searchOr', (): A.SearchExpr => {
    const items: A.SearchExpr[] = [this.SUBRULE(this.searchUnary)];
    this.MANY(() => {
      this.CONSUME(T.SearchOr);
      items.push(this.SUBRULE2(this.searchUnary));
    });
    return this.ACTION(() => (items.length === 1 ? items[0] : { kind: 'or', items, span: span(items[0].span, items[items.length - 1].span) }));
  });

  private searchUnary = this.RULE('searchUnary', (): A.SearchExpr =>
    this.OR([
      {
        ALT: () => {
          const not = this.CONSUME(T.SearchNot);
          const expr = this.SUBRULE(this.searchUnary);
          return this.ACTION((): A.SearchExpr => ({ kind: 'not', expr, span: span(not, expr.span) }));
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const expr = this.OPTION(() => this.SUBRULE(this.searchExpr));
          const close = this.CONSUME(T.RParen);
          // `()` restricts nothing: Splunk_SA_CIM's index macros are `()` until a site lists its indexes.
          return this.ACTION((): A.SearchExpr =>
            expr ? { ...expr, span: span(open, close) } : { kind: 'term', value: { text: '*', quoted: false, span: span(open, close) }, span: span(open, close) },
          );
        },
      },
      {
        ALT: () => {
          const pipeline = this.SUBRULE(this.subsearch);
          return this.ACTION((): A.SearchExpr => ({ kind: 'subsearch', pipeline, span: pipeline.span }));
        },
      },
      { ALT: () => this.SUBRULE(this.searchAtom) },
    ]),
  );

  private searchOperator = this.RULE('searchOperator', (): A.SearchCompareOp => {
    const t = this.OR([
      { ALT: () => this.CONSUME(T.Eq) },
      { ALT: () => this.CONSUME(T.NotEq) },
      { ALT: () => this.CONSUME(T.LtEq) },
      { ALT: () => this.CONSUME(T.GtEq) },
      { ALT: () => this.CONSUME(T.Lt) },
      { ALT: () => this.CONSUME(T.Gt) },
    ]);
    return t.image as A.SearchCompareOp;
  });

  /** A literal after `=` or inside `IN (…)`: a word or a quoted string (keywords count as words there). */
  private searchLiteral = this.RULE('searchLiteral', (): A.SearchValue => {
    const t = this.OR([
      { ALT: () => this.CONSUME(T.Word) },
      { ALT: () => this.CONSUME(T.QuotedString) },
      { ALT: () => this.CONSUME(T.As) },
      { ALT: () => this.CONSUME(T.By) },
    ]);
    return this.ACTION(() => searchValue(t));
  });

  /** `field=value`, `field IN (…)`, `CASE(term)`, or a bare term. */
  private searchAtom = this.RULE('searchAtom', (): A.SearchExpr => {
    const first = this.OR([
      { ALT: () => this.CONSUME(T.Word) },
      { ALT: () => this.CONSUME(T.QuotedString) },
      { ALT: () => this.CONSUME(T.As) },
      { ALT: () => this.CONSUME(T.By) },
    ]);
    let result: A.SearchExpr | undefined;
    // A '(' right after CASE/TERM opens a directive; after any other term it starts a new group.
    this.OPTION({
      GATE: () => this.LA(1).tokenType !== T.LParen || this.isDirective(first),
      DEF: () => this.OR2([
        {
          ALT: () => {
            const op = this.SUBRULE(this.searchOperator);
            const value = this.SUBRULE(this.searchLiteral);
            result = this.ACTION((): A.SearchExpr => ({ kind: 'compare', field: fieldRef(first), op, value, span: span(first, value.span) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.SearchIn);
            this.CONSUME(T.LParen);
            const values: A.SearchValue[] = [];
            // Published detections leave out commas or add stray ones (`IN (,"a" "b",)`); Splunk accepts both.
            this.MANY(() =>
              this.OR3([
                { ALT: () => values.push(this.SUBRULE2(this.searchLiteral)) },
                { ALT: () => this.CONSUME(T.Comma) },
              ]),
            );
            const close = this.CONSUME(T.RParen);
            result = this.ACTION((): A.SearchExpr => ({ kind: 'in', field: fieldRef(first), values, span: span(first, close) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME2(T.LParen);
            const value = this.SUBRULE3(this.searchLiteral);
            const close = this.CONSUME2(T.RParen);
            result = this.ACTION((): A.SearchExpr => ({
              kind: 'directive',
              directive: first.image.toUpperCase() as 'CASE' | 'TERM',
              value,
              span: span(first, close),
            }));
          },
        },
      ]),
    });
    return this.ACTION(() => result ?? { kind: 'term', value: searchValue(first), span: tokenSpan(first) });
  });

  // ─────────────────────────────── eval expressions ───────────────────────────────

  private whereCommand = this.RULE('whereCommand', (): A.WhereCommand => {
    const name = this.CONSUME(T.WhereCmd);
    const expr = this.SUBRULE(this.evalExpr);
    return this.ACTION(() => ({ command: 'where', expr, nameSpan: tokenSpan(name), span: span(name, expr.span) }));
  });

  private evalCommand = this.RULE('evalCommand', (): A.EvalCommand => {
    const name = this.CONSUME(T.EvalCmd);
    const assignments: A.EvalAssignment[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const target = this.SUBRULE(this.evalTarget);
        this.CONSUME(T.Eq);
        const expr = this.SUBRULE(this.evalExpr);
        assignments.push(this.ACTION(() => ({ target, expr, span: span(target.span, expr.span) })));
      },
    });
    return this.ACTION(() => ({ command: 'eval', assignments, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  /**
   * The field an eval assigns: a name, a 'quoted name', a "quoted name", or adjacent pieces such as `-time`
   * (the headline detection assigns `-time = _time`; Splunk takes it as a field called `-time`).
   */
  private evalTarget = this.RULE('evalTarget', (): A.FieldRef => {
    const pieces: IToken[] = [];
    this.OR([
      { ALT: () => pieces.push(this.CONSUME(T.SingleQuoted)) },
      { ALT: () => pieces.push(this.CONSUME(T.QuotedString)) },
      {
        ALT: () => {
          this.AT_LEAST_ONE({
            GATE: () => pieces.length === 0 || this.adjacent(pieces[pieces.length - 1], this.LA(1)),
            DEF: () =>
              pieces.push(
                this.OR2([
                  { ALT: () => this.CONSUME(T.Identifier) },
                  { ALT: () => this.CONSUME(T.NumberLiteral) },
                  { ALT: () => this.CONSUME(T.Minus) },
                  { ALT: () => this.CONSUME(T.Dot) },
                  { ALT: () => this.CONSUME(T.Colon) },
                  { ALT: () => this.CONSUME(T.LCurly) },
                  { ALT: () => this.CONSUME(T.RCurly) },
                  { ALT: () => this.CONSUME(T.EvalAnd) },
                  { ALT: () => this.CONSUME(T.EvalOr) },
                  { ALT: () => this.CONSUME(T.EvalXor) },
                  { ALT: () => this.CONSUME(T.EvalNot) },
                  { ALT: () => this.CONSUME(T.EvalIn) },
                  { ALT: () => this.CONSUME(T.EvalLike) },
                ]),
              ),
          });
        },
      },
    ]);
    return this.ACTION(() => {
      const first = pieces[0];
      const last = pieces[pieces.length - 1];
      if (first.tokenType === T.SingleQuoted) return { name: unescapeEval(first.image.slice(1, -1)), span: tokenSpan(first) };
      if (first.tokenType === T.QuotedString) return { name: unescapeEval(first.image.slice(1, -1)), span: tokenSpan(first) };
      return { name: pieces.map((p) => p.image).join(''), span: span(first, last) };
    });
  });

  public evalExpr = this.RULE('evalExpr', (): A.Expr => this.SUBRULE(this.xorExpr));

  private xorExpr = this.RULE('xorExpr', (): A.Expr => {
    let left = this.SUBRULE(this.orExpr);
    this.MANY(() => {
      this.CONSUME(T.EvalXor);
      const right = this.SUBRULE2(this.orExpr);
      left = this.ACTION(() => binary('XOR', left, right));
    });
    return left;
  });

  private orExpr = this.RULE('orExpr', (): A.Expr => {
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.EvalOr);
      const right = this.SUBRULE2(this.andExpr);
      left = this.ACTION(() => binary('OR', left, right));
    });
    return left;
  });

  private andExpr = this.RULE('andExpr', (): A.Expr => {
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.EvalAnd);
      const right = this.SUBRULE2(this.notExpr);
      left = this.ACTION(() => binary('AND', left, right));
    });
    return left;
  });

  private notExpr = this.RULE('notExpr', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const not = this.CONSUME(T.EvalNot);
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION((): A.Expr => ({ kind: 'unary', op: 'NOT', operand, span: span(not, operand.span) }));
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]),
  );

  private comparison = this.RULE('comparison', (): A.Expr => {
    let left = this.SUBRULE(this.additive);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            const op = this.OR2([
              { ALT: () => this.CONSUME(T.Eq) },
              { ALT: () => this.CONSUME(T.EqEq) },
              { ALT: () => this.CONSUME(T.NotEq) },
              { ALT: () => this.CONSUME(T.LtEq) },
              { ALT: () => this.CONSUME(T.GtEq) },
              { ALT: () => this.CONSUME(T.Lt) },
              { ALT: () => this.CONSUME(T.Gt) },
              { ALT: () => this.CONSUME(T.EvalLike) },
            ]);
            const right = this.SUBRULE2(this.additive);
            left = this.ACTION(() => binary(op.tokenType === T.EvalLike ? 'LIKE' : (op.image as A.BinaryOp), left, right));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.EvalIn);
            this.CONSUME(T.LParen);
            const values: A.Expr[] = [];
            this.MANY_SEP({ SEP: T.Comma, DEF: () => values.push(this.SUBRULE(this.evalExpr)) });
            const close = this.CONSUME(T.RParen);
            left = this.ACTION((): A.Expr => ({ kind: 'in', operand: left, values, span: span(left.span, close) }));
          },
        },
      ]);
    });
    return left;
  });

  private additive = this.RULE('additive', (): A.Expr => {
    let left = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(T.Plus) },
        { ALT: () => this.CONSUME(T.Minus) },
        { ALT: () => this.CONSUME(T.Dot) },
      ]);
      const right = this.SUBRULE2(this.multiplicative);
      left = this.ACTION(() => binary(op.image as A.BinaryOp, left, right));
    });
    return left;
  });

  private multiplicative = this.RULE('multiplicative', (): A.Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(T.Star) },
        { ALT: () => this.CONSUME(T.Slash) },
        { ALT: () => this.CONSUME(T.Percent) },
      ]);
      const right = this.SUBRULE2(this.unary);
      left = this.ACTION(() => binary(op.image as A.BinaryOp, left, right));
    });
    return left;
  });

  private unary = this.RULE('unary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const op = this.OR2([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Plus) }]);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION((): A.Expr => {
            // Fold `-3` into a literal so that numbers print as written.
            if (op.image === '-' && operand.kind === 'number') {
              return { kind: 'number', value: -operand.value, text: '-' + operand.text, span: span(op, operand.span) };
            }
            return { kind: 'unary', op: op.image as '-' | '+', operand, span: span(op, operand.span) };
          });
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]),
  );

  private primary = this.RULE('primary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberLiteral);
          return this.ACTION((): A.Expr => ({ kind: 'number', value: Number(t.image), text: t.image, span: tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.QuotedString);
          return this.ACTION((): A.Expr => ({ kind: 'string', value: unescapeEval(t.image.slice(1, -1)), span: tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.SingleQuoted);
          return this.ACTION((): A.Expr => ({ kind: 'field', name: unescapeEval(t.image.slice(1, -1)), quoted: true, span: tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.evalExpr);
          const close = this.CONSUME(T.RParen);
          return this.ACTION((): A.Expr => ({ ...inner, span: span(open, close) }));
        },
      },
      // `in(x, …)` and `like(x, p)` are also functions; their names lex as keywords.
      { ALT: () => this.SUBRULE(this.functionCall) },
      {
        ALT: () => {
          const t = this.CONSUME(T.Identifier);
          return this.ACTION((): A.Expr => ({ kind: 'field', name: t.image, quoted: false, span: tokenSpan(t) }));
        },
      },
    ]),
  );

  private functionCall = this.RULE('functionCall', (): A.Expr => {
    const name = this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.EvalIn) },
      { ALT: () => this.CONSUME(T.EvalLike) },
    ]);
    this.CONSUME(T.LParen);
    const args: A.Expr[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.evalExpr)) });
    const close = this.CONSUME(T.RParen);
    return this.ACTION((): A.Expr => ({ kind: 'call', name: name.image.toLowerCase(), nameSpan: tokenSpan(name), args, span: span(name, close) }));
  });

  // ─────────────────────────────── shared pieces of command arguments ───────────────────────────────

  /** `name=value` (value a word or a quoted string). */
  private commandOption = this.RULE('commandOption', (): A.CommandOption => {
    const name = this.CONSUME(T.Word);
    this.CONSUME(T.Eq);
    const value = this.SUBRULE(this.searchLiteral);
    return this.ACTION(() => ({ name: name.image, value: value.text, valueSpan: value.span, quoted: value.quoted, span: span(name, value.span) }));
  });

  /**
   * A field name in command arguments: a word (`Folder.Path`, `-time`) or a quoted string. Adjacent pieces join,
   * as in Splunk's tokenizer: `"Authentication".*` (what `drop_dm_object_name("Authentication")` expands to) is
   * the one argument `Authentication.*`.
   */
  private fieldName = this.RULE('fieldName', (): A.FieldRef => {
    const pieces: IToken[] = [];
    this.AT_LEAST_ONE({
      GATE: () => pieces.length === 0 || this.adjacent(pieces[pieces.length - 1], this.LA(1)),
      DEF: () => pieces.push(this.OR([{ ALT: () => this.CONSUME(T.Word) }, { ALT: () => this.CONSUME(T.QuotedString) }])),
    });
    return this.ACTION(() => {
      if (pieces.length === 1) return fieldRef(pieces[0]);
      return { name: pieces.map((p) => fieldRef(p).name).join(''), span: span(pieces[0], pieces[pieces.length - 1]) };
    });
  });

  /** Fields separated by spaces and/or commas. */
  private fieldList = this.RULE('fieldList', (): A.FieldRef[] => {
    const fields: A.FieldRef[] = [];
    // A `name=value` after the list is an option of the command (`by _time span=2m`), not a field.
    this.AT_LEAST_ONE({
      GATE: () => !this.isOptionAhead(),
      DEF: () => {
        fields.push(this.SUBRULE(this.fieldName));
        this.MANY(() => this.CONSUME(T.Comma));
      },
    });
    return fields;
  });

  /** `AS name`; a parenthesised suffix touching the name is part of it (`as aceFlags(inheritance)`). */
  /** `BY f1, f2 …`; options may stand among the fields (`by _time span=1h Registry.dest`). */
  private byClause = this.RULE('byClause', (): { fields: A.FieldRef[]; options: A.CommandOption[] } => {
    const fields: A.FieldRef[] = [];
    const options: A.CommandOption[] = [];
    this.CONSUME(T.By);
    this.AT_LEAST_ONE(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    return { fields, options };
  });

  private asField = this.RULE('asField', (): A.FieldRef => {
    this.CONSUME(T.As);
    const field = this.SUBRULE(this.fieldName);
    let close: IToken | undefined;
    const inner: IToken[] = [];
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.LParen && this.LA(1).startOffset === field.span.end,
      DEF: () => {
        this.CONSUME(T.LParen);
        this.MANY(() => inner.push(this.CONSUME(T.Word)));
        close = this.CONSUME(T.RParen);
      },
    });
    return this.ACTION(() =>
      close ? { name: `${field.name}(${inner.map((t) => t.image).join(' ')})`, span: span(field.span, close) } : field,
    );
  });

  /** `count`, `values(x) as y`, `count(eval(x>1))`, `perc95(x)`. */
  private aggregation = this.RULE('aggregation', (): A.Aggregation => {
    const func = this.CONSUME(T.Word);
    let arg: A.Aggregation['arg'];
    let close: IToken | undefined;
    this.OPTION({
      GATE: () => this.adjacent(func, this.LA(1)) || this.LA(1).tokenType === T.LParen,
      DEF: () => {
        this.CONSUME(T.LParen);
        this.OR([
          {
            ALT: () => {
              this.CONSUME(T.EvalOpen);
              const expr = this.SUBRULE(this.evalExpr);
              this.CONSUME(T.RParen);
              arg = this.ACTION(() => ({ kind: 'eval' as const, expr }));
            },
          },
          {
            ALT: () => {
              const field = this.SUBRULE(this.fieldName);
              arg = this.ACTION(() => ({ kind: 'field' as const, field }));
            },
          },
        ]);
        close = this.CONSUME2(T.RParen);
      },
    });
    const as = this.OPTION2(() => this.SUBRULE(this.asField));
    return this.ACTION(() => ({
      func: func.image.toLowerCase(),
      funcSpan: tokenSpan(func),
      arg,
      as,
      span: span(func, as?.span ?? close ?? func),
    }));
  });

  private isOptionAhead(): boolean {
    return this.LA(1).tokenType === T.Word && this.LA(2).tokenType === T.Eq;
  }

  private isWordAhead(...words: string[]): boolean {
    const t = this.LA(1);
    return t.tokenType === T.Word && words.includes(t.image.toLowerCase());
  }

  // ─────────────────────────────── commands ───────────────────────────────

  private binCommand = this.RULE('binCommand', (): A.BinCommand => {
    const name = this.CONSUME(T.BinCmd);
    const options: A.CommandOption[] = [];
    const fields: A.FieldRef[] = [];
    let as: A.FieldRef | undefined;
    // Options may stand before or after the field (`bin _time span=1h`, `bin span=1h _time as t`).
    this.AT_LEAST_ONE(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        {
          ALT: () => {
            as = this.SUBRULE(this.asField);
          },
        },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
      ]),
    );
    return this.ACTION(() => {
      if (fields.length !== 1) {
        const at = fields[1]?.span ?? this.commandSpan(name);
        throw this.semanticError(fields.length === 0 ? 'bin needs a field, e.g. bin _time span=1h' : 'bin takes exactly one field', at);
      }
      return { command: 'bin', alias: name.image.toLowerCase(), options, field: fields[0], as, nameSpan: tokenSpan(name), span: this.commandSpan(name) };
    });
  });

  private joinCommand = this.RULE('joinCommand', (): A.JoinCommand => {
    const name = this.CONSUME(T.JoinCmd);
    const options: A.CommandOption[] = [];
    const fields: A.FieldRef[] = [];
    // Options may come before or after the field list (`join InternetMessageId, user, max=0 [ … ]`).
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    const subsearch = this.SUBRULE(this.subsearch);
    return this.ACTION(() => ({ command: 'join', options, fields, subsearch, nameSpan: tokenSpan(name), span: span(name, subsearch.span) }));
  });

  /** `options… aggregation[,] aggregation… [BY fields] options…`, shared by stats and timechart. */
  private aggregationClause = this.RULE('aggregationClause', (): { options: A.CommandOption[]; aggregations: A.Aggregation[]; by: A.FieldRef[] } => {
    const options: A.CommandOption[] = [];
    const aggregations: A.Aggregation[] = [];
    let by: A.FieldRef[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    // Aggregations may be separated by commas or only by spaces.
    this.AT_LEAST_ONE(() => {
      aggregations.push(this.SUBRULE(this.aggregation));
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.OPTION2(() => {
      const clause = this.SUBRULE(this.byClause);
      this.ACTION(() => {
        by = clause.fields;
        options.push(...clause.options);
      });
    });
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    return { options, aggregations, by };
  });

  private statsCommand = this.RULE('statsCommand', (): A.StatsCommand => {
    const name = this.CONSUME(T.StatsCmd);
    const { options, aggregations, by } = this.SUBRULE(this.aggregationClause);
    return this.ACTION(() => ({
      command: name.image.toLowerCase() as A.StatsCommand['command'],
      options,
      aggregations,
      by,
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  private convertCommand = this.RULE('convertCommand', (): A.ConvertCommand => {
    const name = this.CONSUME(T.ConvertCmd);
    const options: A.CommandOption[] = [];
    const conversions: A.ConvertFunction[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    this.AT_LEAST_ONE(() => {
      const func = this.CONSUME(T.Word);
      this.CONSUME(T.LParen);
      const field = this.SUBRULE(this.fieldName);
      const close = this.CONSUME(T.RParen);
      const as = this.OPTION(() => this.SUBRULE(this.asField));
      this.OPTION2(() => this.CONSUME(T.Comma));
      conversions.push(
        this.ACTION(() => ({ func: func.image.toLowerCase(), funcSpan: tokenSpan(func), field, as, span: span(func, as?.span ?? close) })),
      );
    });
    return this.ACTION(() => ({ command: 'convert', options, conversions, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private tableCommand = this.RULE('tableCommand', (): A.TableCommand => {
    const name = this.CONSUME(T.TableCmd);
    const fields = this.OPTION(() => this.SUBRULE(this.fieldList)) ?? [];
    return this.ACTION(() => ({ command: 'table', fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private fieldsCommand = this.RULE('fieldsCommand', (): A.FieldsCommand => {
    const name = this.CONSUME(T.FieldsCmd);
    let mode: '+' | '-' = '+';
    this.OPTION({
      GATE: () => this.isWordAhead('+', '-'),
      DEF: () => {
        mode = this.CONSUME(T.Word).image as '+' | '-';
      },
    });
    const fields = this.SUBRULE(this.fieldList);
    return this.ACTION(() => ({ command: 'fields', mode, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private renameCommand = this.RULE('renameCommand', (): A.RenameCommand => {
    const name = this.CONSUME(T.RenameCmd);
    const renames: A.RenameClause[] = [];
    this.AT_LEAST_ONE(() => {
      const from = this.SUBRULE(this.fieldName);
      const to = this.SUBRULE(this.asField);
      this.OPTION(() => this.CONSUME(T.Comma));
      renames.push(this.ACTION(() => ({ from, to, span: span(from.span, to.span) })));
    });
    return this.ACTION(() => ({ command: 'rename', renames, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  /** `-field`, `+field`, `- field`, `num(field)`, `str(field)`… */
  private sortKey = this.RULE('sortKey', (): A.SortKey => {
    let sign: IToken | undefined;
    this.OPTION({
      GATE: () => this.isWordAhead('+', '-'),
      DEF: () => {
        sign = this.CONSUME(T.Word);
      },
    });
    let collation: A.SortKey['collation'] = 'auto';
    let field!: A.FieldRef;
    let close: IToken | undefined;
    this.OR([
      {
        GATE: () => /^[+-]?(auto|num|str|ip)$/i.test(this.LA(1).image) && this.LA(2).tokenType === T.LParen,
        ALT: () => {
          const wrapper = this.CONSUME2(T.Word);
          this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.fieldName);
          close = this.CONSUME(T.RParen);
          this.ACTION(() => {
            const m = /^([+-]?)(\w+)$/.exec(wrapper.image)!;
            if (m[1]) sign = wrapper;
            collation = m[2].toLowerCase() as A.SortKey['collation'];
            field = inner;
          });
        },
      },
      {
        ALT: () => {
          const f = this.SUBRULE2(this.fieldName);
          this.ACTION(() => {
            field = f;
          });
        },
      },
    ]);
    this.OPTION2(() => this.CONSUME(T.Comma));
    return this.ACTION(() => {
      let descending = sign?.image.startsWith('-') ?? false;
      // `-field` written as one word.
      const m = /^([+-])(.+)$/.exec(field.name);
      if (!sign && m) {
        descending = m[1] === '-';
        field = { name: m[2], span: { start: field.span.start + 1, end: field.span.end } };
      }
      const start = sign ?? field.span;
      return { field, descending, collation, span: span(start, close ?? field.span) };
    });
  });

  private sortCommand = this.RULE('sortCommand', (): A.SortCommand => {
    const name = this.CONSUME(T.SortCmd);
    let limit: number | undefined;
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Word && isNumeric(this.LA(1).image),
      DEF: () => {
        limit = Number(this.CONSUME(T.Word).image);
      },
    });
    this.OPTION2({
      GATE: () => this.isOptionAhead() && this.LA(1).image.toLowerCase() === 'limit',
      DEF: () => {
        const opt = this.SUBRULE(this.commandOption);
        this.ACTION(() => {
          limit = Number(opt.value);
        });
      },
    });
    const keys: A.SortKey[] = [];
    this.AT_LEAST_ONE(() => keys.push(this.SUBRULE(this.sortKey)));
    return this.ACTION(() => {
      // A trailing `d` / `desc` reverses the order (it is not a field).
      let reverse = false;
      const last = keys[keys.length - 1];
      if (keys.length > 1 && /^(d|desc)$/i.test(last.field.name) && !last.descending) {
        keys.pop();
        reverse = true;
      }
      return { command: 'sort', limit, keys, reverse, nameSpan: tokenSpan(name), span: this.commandSpan(name) } as A.SortCommand;
    });
  });

  private headCommand = this.RULE('headCommand', (): A.HeadCommand => {
    const name = this.CONSUME(T.HeadCmd);
    let count: number | undefined;
    const options: A.CommandOption[] = [];
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        {
          ALT: () => {
            const t = this.CONSUME(T.Word);
            this.ACTION(() => {
              count = Number(t.image);
            });
          },
        },
      ]),
    );
    return this.ACTION(() => ({ command: 'head', count, options, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private tailCommand = this.RULE('tailCommand', (): A.TailCommand => {
    const name = this.CONSUME(T.TailCmd);
    const t = this.OPTION(() => this.CONSUME(T.Word));
    return this.ACTION(() => ({ command: 'tail', count: t ? Number(t.image) : undefined, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private dedupCommand = this.RULE('dedupCommand', (): A.DedupCommand => {
    const name = this.CONSUME(T.DedupCmd);
    let count: number | undefined;
    const fields: A.FieldRef[] = [];
    const options: A.CommandOption[] = [];
    const sortby: A.SortKey[] = [];
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Word && isNumeric(this.LA(1).image),
      DEF: () => {
        count = Number(this.CONSUME(T.Word).image);
      },
    });
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        {
          GATE: () => this.isWordAhead('sortby'),
          ALT: () => {
            this.CONSUME2(T.Word);
            this.AT_LEAST_ONE(() => sortby.push(this.SUBRULE(this.sortKey)));
          },
        },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    return this.ACTION(() => ({ command: 'dedup', count, fields, options, sortby, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private rexCommand = this.RULE('rexCommand', (): A.RexCommand => {
    const name = this.CONSUME(T.RexCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const regex = this.CONSUME(T.QuotedString);
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    return this.ACTION(() => ({
      command: 'rex',
      options,
      regex: unescapeSearch(regex.image.slice(1, -1)),
      regexSpan: tokenSpan(regex),
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  private fillnullCommand = this.RULE('fillnullCommand', (): A.FillnullCommand => {
    const name = this.CONSUME(T.FillnullCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    return this.ACTION(() => ({ command: 'fillnull', options, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private mvexpandCommand = this.RULE('mvexpandCommand', (): A.MvexpandCommand => {
    const name = this.CONSUME(T.MvexpandCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const field = this.SUBRULE(this.fieldName);
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    return this.ACTION(() => ({ command: 'mvexpand', field, options, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private lookupField = this.RULE('lookupField', (): A.LookupField => {
    const field = this.SUBRULE(this.fieldName);
    const as = this.OPTION(() => this.SUBRULE(this.asField));
    this.OPTION2(() => this.CONSUME(T.Comma));
    return this.ACTION(() => ({ field, as, span: span(field.span, as?.span ?? field.span) }));
  });

  private lookupCommand = this.RULE('lookupCommand', (): A.LookupCommand => {
    const name = this.CONSUME(T.LookupCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const table = this.SUBRULE(this.fieldName);
    const inputs: A.LookupField[] = [];
    const outputs: A.LookupField[] = [];
    let outputMode: A.LookupCommand['outputMode'];
    this.AT_LEAST_ONE({
      GATE: () => !this.isWordAhead('output', 'outputnew'),
      DEF: () => inputs.push(this.SUBRULE(this.lookupField)),
    });
    this.OPTION(() => {
      const kw = this.CONSUME(T.Word);
      this.ACTION(() => {
        outputMode = kw.image.toUpperCase() as 'OUTPUT' | 'OUTPUTNEW';
      });
      this.AT_LEAST_ONE2(() => outputs.push(this.SUBRULE2(this.lookupField)));
    });
    return this.ACTION(() => ({
      command: 'lookup',
      options,
      table: table.name,
      tableSpan: table.span,
      inputs,
      outputMode,
      outputs,
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  private inputlookupCommand = this.RULE('inputlookupCommand', (): A.InputlookupCommand => {
    const name = this.CONSUME(T.InputlookupCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const table = this.SUBRULE(this.fieldName);
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    let where: A.SearchExpr | undefined;
    this.OPTION({
      GATE: () => this.isWordAhead('where'),
      DEF: () => {
        this.CONSUME(T.Word);
        where = this.SUBRULE(this.searchExpr);
      },
    });
    return this.ACTION(() => ({
      command: 'inputlookup',
      options,
      table: table.name,
      tableSpan: table.span,
      where,
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  private outputlookupCommand = this.RULE('outputlookupCommand', (): A.OutputlookupCommand => {
    const name = this.CONSUME(T.OutputlookupCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const table = this.SUBRULE(this.fieldName);
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    return this.ACTION(() => ({
      command: 'outputlookup',
      options,
      table: table.name,
      tableSpan: table.span,
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  private appendCommand = this.RULE('appendCommand', (): A.AppendCommand => {
    const name = this.CONSUME(T.AppendCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const subsearch = this.SUBRULE(this.subsearch);
    return this.ACTION(() => ({ command: 'append', options, subsearch, nameSpan: tokenSpan(name), span: span(name, subsearch.span) }));
  });

  private makeresultsCommand = this.RULE('makeresultsCommand', (): A.MakeresultsCommand => {
    const name = this.CONSUME(T.MakeresultsCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    return this.ACTION(() => ({ command: 'makeresults', options, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private spathCommand = this.RULE('spathCommand', (): A.SpathCommand => {
    const name = this.CONSUME(T.SpathCmd);
    const options: A.CommandOption[] = [];
    let path: string | undefined;
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        {
          ALT: () => {
            const p = this.SUBRULE(this.fieldName);
            this.ACTION(() => {
              path = p.name;
            });
          },
        },
      ]),
    );
    return this.ACTION(() => ({ command: 'spath', options, path, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private tstatsCommand = this.RULE('tstatsCommand', (): A.TstatsCommand => {
    const name = this.CONSUME(T.TstatsCmd);
    const options: A.CommandOption[] = [];
    const aggregations: A.Aggregation[] = [];
    let from: A.CommandOption | undefined;
    let where: A.SearchExpr | undefined;
    let by: A.FieldRef[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    this.MANY2({
      GATE: () => !this.isWordAhead('from', 'where'),
      DEF: () => {
        aggregations.push(this.SUBRULE(this.aggregation));
        this.OPTION(() => this.CONSUME(T.Comma));
      },
    });
    this.OPTION2({
      GATE: () => this.isWordAhead('from'),
      DEF: () => {
        this.CONSUME(T.Word);
        from = this.SUBRULE2(this.commandOption);
      },
    });
    this.OPTION3({
      GATE: () => this.isWordAhead('where'),
      DEF: () => {
        this.CONSUME2(T.Word);
        this.ACTION(() => this.searchStopsAtBy++);
        try {
          where = this.SUBRULE(this.searchExpr);
        } finally {
          this.ACTION(() => this.searchStopsAtBy--);
        }
      },
    });
    this.OPTION4(() => {
      const clause = this.SUBRULE(this.byClause);
      this.ACTION(() => {
        by = clause.fields;
        options.push(...clause.options);
      });
    });
    this.MANY3(() => options.push(this.SUBRULE3(this.commandOption)));
    return this.ACTION(() => ({ command: 'tstats', options, aggregations, from, where, by, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  /** `from datamodel:X.Y`, `from datamodel:"X.Y"`, `from datamodel X.Y`: a dataset kind and name. */
  private fromCommand = this.RULE('fromCommand', (): A.FromCommand => {
    const name = this.CONSUME(T.FromCmd);
    const pieces: IToken[] = [];
    this.AT_LEAST_ONE(() => pieces.push(this.OR([{ ALT: () => this.CONSUME(T.Word) }, { ALT: () => this.CONSUME(T.QuotedString) }])));
    return this.ACTION(() => {
      // `kind:name` in one word, `kind:` touching a quoted name, or `kind name` (both appear in published detections).
      const [first, ...more] = pieces;
      const text = (t: IToken) => (t.tokenType === T.QuotedString ? unescapeSearch(t.image.slice(1, -1)) : t.image);
      const colon = first.tokenType === T.Word ? first.image.indexOf(':') : -1;
      const kind = colon >= 0 ? first.image.slice(0, colon) : text(first);
      const inFirst = colon >= 0 ? first.image.slice(colon + 1) : '';
      const dataset = inFirst + more.map(text).join('');
      const last = pieces[pieces.length - 1];
      const datasetSpan = { start: inFirst ? first.startOffset + colon + 1 : (more[0] ?? first).startOffset, end: last.endOffset! + 1 };
      if (kind === '' || dataset === '') throw this.semanticError('from needs a dataset, e.g. from datamodel:Endpoint.Processes', datasetSpan);
      return { command: 'from', kind, dataset, datasetSpan, nameSpan: tokenSpan(name), span: this.commandSpan(name) };
    });
  });

  /** `datamodel [Model [Dataset [mode]]]` with options anywhere. */
  private datamodelCommand = this.RULE('datamodelCommand', (): A.DatamodelCommand => {
    const name = this.CONSUME(T.DatamodelCmd);
    const words: A.SearchValue[] = [];
    const options: A.CommandOption[] = [];
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => words.push(this.SUBRULE(this.searchLiteral)) },
      ]),
    );
    return this.ACTION(() => ({ command: 'datamodel', words, options, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private timechartCommand = this.RULE('timechartCommand', (): A.TimechartCommand => {
    const name = this.CONSUME(T.TimechartCmd);
    const { options, aggregations, by } = this.SUBRULE(this.aggregationClause);
    return this.ACTION(() => ({ command: 'timechart', options, aggregations, by, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private topCommand = this.RULE('topCommand', (): A.TopCommand => {
    const name = this.CONSUME(T.TopCmd);
    const options: A.CommandOption[] = [];
    const fields: A.FieldRef[] = [];
    let by: A.FieldRef[] = [];
    let count: number | undefined;
    // `top 5 user`: a number before the fields is the limit.
    this.OPTION3({
      GATE: () => this.LA(1).tokenType === T.Word && isNumeric(this.LA(1).image) && (this.LA(2).tokenType === T.Word || this.LA(2).tokenType === T.QuotedString),
      DEF: () => {
        count = Number(this.CONSUME2(T.Word).image);
      },
    });
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    this.OPTION(() => {
      const clause = this.SUBRULE(this.byClause);
      this.ACTION(() => {
        by = clause.fields;
        options.push(...clause.options);
      });
    });
    this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
    return this.ACTION(() => ({
      command: name.image.toLowerCase() as 'top' | 'rare',
      count,
      options,
      fields,
      by,
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  // ─────────────────────────────── reporting commands and subsearch results ───────────────────────────────

  private formatCommand = this.RULE('formatCommand', (): A.FormatCommand => {
    const name = this.CONSUME(T.FormatCmd);
    const options: A.CommandOption[] = [];
    const strings: A.SearchValue[] = [];
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        {
          ALT: () => {
            const t = this.CONSUME(T.QuotedString);
            this.ACTION(() => strings.push(searchValue(t)));
          },
        },
      ]),
    );
    return this.ACTION(() => {
      if (strings.length !== 0 && strings.length !== 6) {
        throw this.semanticError('format takes all six row and column strings or none ("(" "(" "AND" ")" "OR" ")")', strings[0].span);
      }
      return { command: 'format', options, strings, nameSpan: tokenSpan(name), span: this.commandSpan(name) } as A.FormatCommand;
    });
  });

  /** `return [count] [alias=field…] [field…] [$field…]` */
  private returnCommand = this.RULE('returnCommand', (): A.ReturnCommand => {
    const name = this.CONSUME(T.ReturnCmd);
    let count: number | undefined;
    const items: A.ReturnItem[] = [];
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Word && isNumeric(this.LA(1).image),
      DEF: () => {
        count = Number(this.CONSUME(T.Word).image);
      },
    });
    this.MANY(() =>
      this.OR([
        {
          GATE: () => this.isOptionAhead(),
          ALT: () => {
            const o = this.SUBRULE(this.commandOption);
            this.ACTION(() => items.push({ kind: 'alias', alias: o.name, field: { name: o.value, span: o.valueSpan }, span: o.span }));
          },
        },
        {
          ALT: () => {
            const f = this.SUBRULE(this.fieldName);
            this.ACTION(() => {
              const value = f.name.startsWith('$') && f.name.length > 1;
              const field = value ? { name: f.name.slice(1), span: { start: f.span.start + 1, end: f.span.end } } : f;
              items.push({ kind: value ? 'value' : 'field', alias: undefined, field, span: f.span });
            });
          },
        },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    return this.ACTION(() => ({ command: 'return', count, items, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  /** `chart [options] agg… [over field [options]] [by field [field] [options]] [options]` */
  private chartCommand = this.RULE('chartCommand', (): A.ChartCommand => {
    const name = this.CONSUME(T.ChartCmd);
    const options: A.CommandOption[] = [];
    const aggregations: A.Aggregation[] = [];
    let over: A.FieldRef | undefined;
    let by: A.FieldRef[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    this.AT_LEAST_ONE({
      GATE: () => !this.isWordAhead('over'),
      DEF: () => {
        aggregations.push(this.SUBRULE(this.aggregation));
        this.OPTION(() => this.CONSUME(T.Comma));
      },
    });
    this.OPTION2({
      GATE: () => this.isWordAhead('over'),
      DEF: () => {
        this.CONSUME(T.Word);
        over = this.SUBRULE(this.fieldName);
        this.MANY2(() => options.push(this.SUBRULE2(this.commandOption)));
      },
    });
    this.OPTION3(() => {
      const clause = this.SUBRULE(this.byClause);
      this.ACTION(() => {
        by = clause.fields;
        options.push(...clause.options);
      });
    });
    this.MANY3(() => options.push(this.SUBRULE3(this.commandOption)));
    return this.ACTION(() => ({ command: 'chart', options, aggregations, over, by, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  // ───────────── multivalue, JSON, filtering and enrichment commands ─────────────

  /** Options and field names in any order, commas allowed between them. */
  private optionsAndFields = this.RULE('optionsAndFields', (): { options: A.CommandOption[]; fields: A.FieldRef[] } => {
    const options: A.CommandOption[] = [];
    const fields: A.FieldRef[] = [];
    this.MANY(() =>
      this.OR([
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    return { options, fields };
  });

  private xyseriesCommand = this.RULE('xyseriesCommand', (): A.XyseriesCommand => {
    const name = this.CONSUME(T.XyseriesCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    return this.ACTION(() => ({ command: 'xyseries', options, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private untableCommand = this.RULE('untableCommand', (): A.UntableCommand => {
    const name = this.CONSUME(T.UntableCmd);
    const fields: A.FieldRef[] = [];
    this.MANY(() => this.OR([{ ALT: () => fields.push(this.SUBRULE(this.fieldName)) }, { ALT: () => this.CONSUME(T.Comma) }]));
    return this.ACTION(() => {
      if (fields.length !== 3) throw this.semanticError('untable takes three fields: untable <x-field> <name-field> <value-field>', fields[3]?.span ?? this.commandSpan(name));
      return { command: 'untable', fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) } as A.UntableCommand;
    });
  });

  private reverseCommand = this.RULE('reverseCommand', (): A.ReverseCommand => {
    const name = this.CONSUME(T.ReverseCmd);
    return this.ACTION(() => ({ command: 'reverse', nameSpan: tokenSpan(name), span: tokenSpan(name) }));
  });

  private fieldsummaryCommand = this.RULE('fieldsummaryCommand', (): A.FieldsummaryCommand => {
    const name = this.CONSUME(T.FieldsummaryCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    return this.ACTION(() => ({ command: 'fieldsummary', options, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  /** `startswith=`/`endswith=`: a quoted or parenthesised search expression, a search word, or `eval(…)`. */
  private transactionFilter = this.RULE('transactionFilter', (): A.TransactionFilter =>
    this.OR([
      {
        ALT: () => {
          const open = this.CONSUME(T.EvalOpen);
          const expr = this.SUBRULE(this.evalExpr);
          const close = this.CONSUME(T.RParen);
          return this.ACTION((): A.TransactionFilter => ({ kind: 'eval', expr, span: span(open, close) }));
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const expr = this.SUBRULE(this.searchExpr);
          const close = this.CONSUME2(T.RParen);
          return this.ACTION((): A.TransactionFilter => ({ kind: 'search', expr, span: span(open, close) }));
        },
      },
      {
        ALT: () => {
          const v = this.SUBRULE(this.searchLiteral);
          return this.ACTION((): A.TransactionFilter => ({ kind: 'text', value: v, span: v.span }));
        },
      },
    ]),
  );

  private transactionCommand = this.RULE('transactionCommand', (): A.TransactionCommand => {
    const name = this.CONSUME(T.TransactionCmd);
    const fields: A.FieldRef[] = [];
    const options: A.CommandOption[] = [];
    let startswith: A.TransactionFilter | undefined;
    let endswith: A.TransactionFilter | undefined;
    this.MANY(() =>
      this.OR([
        {
          GATE: () => this.isWordAhead('startswith', 'endswith') && this.LA(2).tokenType === T.Eq,
          ALT: () => {
            const which = this.CONSUME(T.Word);
            this.CONSUME(T.Eq);
            const filter = this.SUBRULE(this.transactionFilter);
            this.ACTION(() => {
              if (which.image.toLowerCase() === 'startswith') startswith = filter;
              else endswith = filter;
            });
          },
        },
        { GATE: () => this.isOptionAhead(), ALT: () => options.push(this.SUBRULE(this.commandOption)) },
        { ALT: () => fields.push(this.SUBRULE(this.fieldName)) },
        { ALT: () => this.CONSUME(T.Comma) },
      ]),
    );
    return this.ACTION(() => ({ command: 'transaction', fields, options, startswith, endswith, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private addtotalsCommand = this.RULE('addtotalsCommand', (): A.AddtotalsCommand => {
    const name = this.CONSUME(T.AddtotalsCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    return this.ACTION(() => ({ command: 'addtotals', options, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private appendpipeCommand = this.RULE('appendpipeCommand', (): A.AppendpipeCommand => {
    const name = this.CONSUME(T.AppendpipeCmd);
    const options: A.CommandOption[] = [];
    this.MANY(() => options.push(this.SUBRULE(this.commandOption)));
    const subsearch = this.SUBRULE(this.subsearch);
    return this.ACTION(() => ({ command: 'appendpipe', options, subsearch, nameSpan: tokenSpan(name), span: span(name, subsearch.span) }));
  });
  /** `regex [field=|field!=]"re"` (the field is _raw when not given). */
  private regexCommand = this.RULE('regexCommand', (): A.RegexCommand => {
    const name = this.CONSUME(T.RegexCmd);
    let field: A.FieldRef | undefined;
    let negated = false;
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Eq || this.LA(2).tokenType === T.NotEq,
      DEF: () => {
        field = this.SUBRULE(this.fieldName);
        const op = this.OR([{ ALT: () => this.CONSUME(T.Eq) }, { ALT: () => this.CONSUME(T.NotEq) }]);
        this.ACTION(() => {
          negated = op.tokenType === T.NotEq;
        });
      },
    });
    const regex = this.CONSUME(T.QuotedString);
    return this.ACTION(() => ({
      command: 'regex',
      field,
      negated,
      regex: unescapeSearch(regex.image.slice(1, -1)),
      regexSpan: tokenSpan(regex),
      nameSpan: tokenSpan(name),
      span: this.commandSpan(name),
    }));
  });

  /** makemv, mvcombine, nomv, fromjson, iplocation, map, xmlkv: options and field names (the compiler checks how many). */
  private optionsAndFieldsCommand = this.RULE('optionsAndFieldsCommand', (): A.OptionsAndFieldsCommand => {
    const name = this.CONSUME(T.OptionsAndFieldsCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    return this.ACTION(
      () => ({ command: name.image.toLowerCase(), options, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }) as A.OptionsAndFieldsCommand,
    );
  });

  /** `foreach [options] fields… [template]`; the template is parsed later (see grammar/index.ts). */
  private foreachCommand = this.RULE('foreachCommand', (): A.ForeachCommand => {
    const name = this.CONSUME(T.ForeachCmd);
    const { options, fields } = this.SUBRULE(this.optionsAndFields);
    const template = this.CONSUME(T.Template);
    const after: A.CommandOption[] = [];
    this.MANY(() => after.push(this.SUBRULE(this.commandOption)));
    return this.ACTION(() => {
      const inner = { start: template.startOffset + 1, end: template.endOffset! };
      return {
        command: 'foreach',
        options: [...options, ...after],
        fields,
        template: template.image.slice(1, -1),
        templateSpan: inner,
        probe: { commands: [], span: inner },
        nameSpan: tokenSpan(name),
        span: this.commandSpan(name),
      };
    });
  });

  /** `replace old WITH new [, old WITH new]… [IN field, …]` (IN, and WITH, in any case). */
  private replaceCommand = this.RULE('replaceCommand', (): A.ReplaceCommand => {
    const name = this.CONSUME(T.ReplaceCmd);
    const pairs: A.ReplaceCommand['pairs'] = [];
    const fields: A.FieldRef[] = [];
    this.AT_LEAST_ONE({
      GATE: () => !this.isInAhead(),
      DEF: () => {
        const from = this.SUBRULE(this.searchLiteral);
        const withWord = this.CONSUME(T.Word, { LABEL: "'WITH'" });
        this.ACTION(() => {
          if (withWord.image.toLowerCase() !== 'with') throw this.semanticError(`expected WITH but found '${withWord.image}'`, tokenSpan(withWord));
        });
        const to = this.SUBRULE2(this.searchLiteral);
        this.OPTION(() => this.CONSUME(T.Comma));
        pairs.push({ from, to });
      },
    });
    this.OPTION2(() => {
      this.OR([{ ALT: () => this.CONSUME(T.SearchIn) }, { GATE: () => this.isWordAhead('in'), ALT: () => this.CONSUME2(T.Word) }]);
      this.AT_LEAST_ONE2(() => this.OR2([{ ALT: () => fields.push(this.SUBRULE(this.fieldName)) }, { ALT: () => this.CONSUME2(T.Comma) }]));
    });
    return this.ACTION(() => ({ command: 'replace', pairs, fields, nameSpan: tokenSpan(name), span: this.commandSpan(name) }));
  });

  private isInAhead(): boolean {
    return this.LA(1).tokenType === T.SearchIn || this.isWordAhead('in');
  }

  private genericCommand = this.RULE('genericCommand', (): A.GenericCommand => {
    const name = this.CONSUME(T.GenericCmd);
    const pieces: IToken[] = [];
    this.MANY(() => pieces.push(this.CONSUME(T.RawArgs)));
    return this.ACTION(() => {
      const argsSpan = pieces.length ? span(pieces[0], pieces[pieces.length - 1]) : { start: name.endOffset! + 1, end: name.endOffset! + 1 };
      return {
        command: 'generic',
        name: name.image.toLowerCase(),
        args: pieces.map((p) => p.image).join(' '),
        argsSpan,
        nameSpan: tokenSpan(name),
        span: this.commandSpan(name),
      };
    });
  });
}

function binary(op: A.BinaryOp, left: A.Expr, right: A.Expr): A.Expr {
  return { kind: 'binary', op, left, right, span: span(left.span, right.span) };
}

function fieldRef(t: IToken): A.FieldRef {
  const quoted = t.tokenType === T.QuotedString;
  return { name: quoted ? unescapeSearch(t.image.slice(1, -1)) : unescapeSearch(t.image), span: tokenSpan(t) };
}
