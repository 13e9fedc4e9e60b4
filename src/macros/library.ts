// Macro definitions and the library that resolves a call by name and argument count. Splunk names a macro
// taking N arguments `name(N)`, so one name can have several definitions that differ only in arity.

export interface MacroDefinition {
  name: string;
  /** Argument names in call order; the macro's arity is `args.length`. */
  args: string[];
  definition: string;
  /** Splunk `iseval = true`: the definition is an eval expression computing the expansion (not supported). */
  iseval: boolean;
  /** Where it was defined, `file:line`. */
  origin: string;
}

/** Splunk's stanza name for a macro: `name` without arguments, `name(N)` with N. */
export function stanzaName(name: string, arity: number): string {
  return arity === 0 ? name : `${name}(${arity})`;
}

/** Argument names may hold only letters, digits, `_` and `-` (macros.conf.spec). */
export const ARG_NAME = /^[A-Za-z0-9_-]+$/;

export class MacroLibrary {
  private readonly byStanza = new Map<string, MacroDefinition>();

  /** Adds a definition; it replaces an earlier one with the same name and arity. */
  add(def: MacroDefinition): void {
    this.byStanza.set(stanzaName(def.name, def.args.length), def);
  }

  lookup(name: string, arity: number): MacroDefinition | undefined {
    return this.byStanza.get(stanzaName(name, arity));
  }

  /** Stanza names (`m`, `m(1)`, …) defined for `name`, by increasing arity — what a wrong-arity call could have meant. */
  namesWithArity(name: string): string[] {
    return [...this.byStanza.values()]
      .filter((def) => def.name === name)
      .map((def) => def.args.length)
      .sort((a, b) => a - b)
      .map((arity) => stanzaName(name, arity));
  }

  /** Every definition (the shell completes their names). */
  definitions(): MacroDefinition[] {
    return [...this.byStanza.values()];
  }

  get size(): number {
    return this.byStanza.size;
  }
}
