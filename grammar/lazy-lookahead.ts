// Chevrotain's LL(k) lookahead, built when a decision is first taken instead of for every decision of the
// grammar when the parser is made. Building them all was a third of the parser's construction (~40 ms of every
// `duckhunt run`), and one query takes only the few decisions of the commands it uses. The functions are those
// of chevrotain's own strategy, so what is parsed does not change; the validations are its too.

import { LLkLookaheadStrategy, type ILookaheadStrategy, type ILookaheadValidationError, type IOrAlt, type Rule, type TokenType } from 'chevrotain';

type Alternation = Parameters<ILookaheadStrategy['buildLookaheadForAlternation']>[0];
type Optional = Parameters<ILookaheadStrategy['buildLookaheadForOptional']>[0];

export class LazyLookaheadStrategy implements ILookaheadStrategy {
  private readonly eager: InstanceType<typeof LLkLookaheadStrategy>;

  constructor(options: { maxLookahead: number }) {
    this.eager = new LLkLookaheadStrategy(options);
  }

  validate(options: { rules: Rule[]; tokenTypes: TokenType[]; grammarName: string }): ILookaheadValidationError[] {
    return this.eager.validate(options);
  }

  initialize(options: { rules: Rule[] }): void {
    this.eager.initialize?.(options);
  }

  buildLookaheadForAlternation(options: Alternation): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const eager = this.eager;
    let built: ((orAlts?: IOrAlt<unknown>[]) => number | undefined) | undefined;
    // Called with the parser as `this`, as chevrotain calls the function it would have built.
    return function (this: unknown, orAlts) {
      built ??= eager.buildLookaheadForAlternation(options);
      return built.call(this, orAlts);
    };
  }

  buildLookaheadForOptional(options: Optional): () => boolean {
    const eager = this.eager;
    let built: (() => boolean) | undefined;
    return function (this: unknown) {
      built ??= eager.buildLookaheadForOptional(options);
      return built.call(this);
    };
  }
}
