// `--format arrow`: the result as Apache Arrow IPC — the file format (with its footer, which readers such as
// pandas' `read_feather` and DuckDB need) when the destination is a regular file, the stream format on a pipe —
// written with the apache-arrow package, one record batch per group of rows as DuckDB produces them, each handed
// to the destination before the next is built, so memory stays flat however large the result.
//
// Types are kept (decision X126): a `num` field is Float64 (every number the compiler makes is a DOUBLE), `_time`
// a Timestamp in microseconds with time zone UTC, a string field Utf8, a multivalue field List<Utf8> (one value:
// a list of one; none: null). Splunk's fields hold no booleans, so no column is Bool.

import {
  Field as ArrowField,
  Float64,
  Int64,
  List,
  makeBuilder,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { Field } from '../compile/types.ts';
import type { Row } from '../engine/engine.ts';
import type { ByteSink, RowWriter } from './format.ts';

/** Rows gathered into one record batch (DuckDB hands them over 2,048 at a time). */
const BATCH_ROWS = 16_384;

/** `_time` in microseconds since the epoch, UTC: pandas, polars and DuckDB read it as a zoned timestamp. */
const TIME_TYPE = new Timestamp(TimeUnit.MICROSECOND, 'UTC');

interface Column {
  type: DataType;
  /** The cell as the Arrow builder takes it (null for none). */
  value: (v: unknown) => unknown;
  /** The type the builder builds, when it differs from `type` (same layout). */
  built?: DataType;
}

function columnOf(f: Field): Column {
  if (f.name === '_time' && f.type === 'num') {
    // Built as Int64 microseconds: the Timestamp builder takes milliseconds and fails on a fraction of one.
    return { type: TIME_TYPE, built: new Int64(), value: (v) => (v === null || v === undefined ? null : BigInt(Math.round(number(f, v) * 1e6))) };
  }
  switch (f.type) {
    case 'num':
      return { type: new Float64(), value: (v) => (v === null || v === undefined ? null : number(f, v)) };
    case 'mv':
      return {
        type: new List(new ArrowField('item', new Utf8(), true)),
        value: (v) => {
          if (v === null || v === undefined) return null;
          const values = Array.isArray(v) ? v : [v];
          // As the other formats write them: a null inside a multivalue is an empty value, an empty list none.
          return values.length === 0 ? null : values.map((x) => (x === null ? '' : String(x)));
        },
      };
    case 'str':
      return {
        type: new Utf8(),
        value: (v) => {
          if (v === null || v === undefined) return null;
          if (Array.isArray(v)) throw new Error(`internal: field ${f.name} is typed as a single value but holds a list`);
          return String(v);
        },
      };
  }
}

function number(f: Field, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // The compiler typed the field as a number: anything else is its mistake, never to be written as a wrong value.
  throw new Error(`internal: field ${f.name} is typed as a number but holds ${typeof v}`);
}

/**
 * The writer whose bytes are collected as it produces them, so each batch can be written out (and waited for)
 * before the next; apache-arrow's own sink is a queue that a slow reader would let grow without bound.
 */
function pacedWriter(file: boolean) {
  const Base = file ? RecordBatchFileWriter : RecordBatchStreamWriter;
  return new (class extends Base {
    pending: Uint8Array[] = [];
    protected override _write(chunk: ArrayBufferView): this {
      if (this._started && chunk.byteLength > 0) {
        this.pending.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        this._position += chunk.byteLength;
      }
      return this;
    }
    take(): Uint8Array {
      const all = Buffer.concat(this.pending);
      this.pending = [];
      return all;
    }
  })();
}

export function arrowWriter(fields: Field[], out: ByteSink, opts: { file: boolean }): RowWriter {
  const columns = fields.map(columnOf);
  const schema = new Schema(fields.map((f, i) => new ArrowField(f.name, columns[i].type, true)));
  const writer = pacedWriter(opts.file);
  // The schema goes first, so an empty result is a valid file with its columns.
  writer.reset(undefined, schema);
  let rows: Row[] = [];

  const batch = (part: Row[]): RecordBatch => {
    const children: Data[] = columns.map((c, i) => {
      const builder = makeBuilder({ type: c.built ?? c.type, nullValues: [null] });
      for (const r of part) builder.append(c.value(r[i]));
      const data = builder.finish().flush();
      return c.built ? makeData({ type: c.type, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: data.values } as Parameters<typeof makeData>[0]) : data;
    });
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: part.length, nullCount: 0, children }));
  };
  const flush = async () => {
    if (rows.length === 0) return;
    const part = rows;
    rows = [];
    writer.write(batch(part));
    await out(writer.take());
  };

  return {
    async write(chunk) {
      rows.push(...chunk);
      if (rows.length >= BATCH_ROWS) await flush();
    },
    async end() {
      await flush();
      writer.close();
      await out(writer.take());
    },
  };
}
