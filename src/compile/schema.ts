// Which fields exist after each command, and in which SQL column each lives.

import type { Field, FieldType } from './types.ts';

/**
 * Column names are allocated once per query. DuckDB matches identifiers case-insensitively, while Splunk field
 * names are case-sensitive, so `user` and `User` must get different columns.
 */
export class ColumnNames {
  private readonly byField = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(reserved: string[] = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase());
  }

  /** The column of a field, allocated on first use from `base` (the field's own name unless given). */
  columnFor(field: string, base = field): string {
    let col = this.byField.get(field);
    if (col) return col;
    col = base;
    for (let n = 2; this.taken.has(col.toLowerCase()); n++) col = `${base}~${n}`;
    return this.claim(field, col);
  }

  /** Records a column allocated earlier (a dataset's existing columns keep their names). */
  claim(field: string, column: string): string {
    this.taken.add(column.toLowerCase());
    this.byField.set(field, column);
    return column;
  }
}

/**
 * The fields of a relation. An *event* relation (straight from the sources, before any transforming command) is
 * open: a field it has not seen yet may still be in the events' JSON and is extracted on first reference. A
 * transformed relation (after stats, table…) is closed: an unknown field is null, as in Splunk.
 */
export class Schema {
  constructor(
    readonly fields: ReadonlyMap<string, Field>,
    readonly open: boolean,
  ) {}

  get(name: string): Field | undefined {
    return this.fields.get(name);
  }

  with(field: Field): Schema {
    const next = new Map(this.fields);
    next.set(field.name, field);
    return new Schema(next, this.open);
  }

  without(name: string): Schema {
    const next = new Map(this.fields);
    next.delete(name);
    return new Schema(next, this.open);
  }

  closed(): Schema {
    return new Schema(this.fields, false);
  }

  list(): Field[] {
    return [...this.fields.values()];
  }

  static of(fields: Field[], open: boolean): Schema {
    return new Schema(new Map(fields.map((f) => [f.name, f])), open);
  }
}

export const fieldOf = (name: string, column: string, type: FieldType): Field => ({ name, column, type });
