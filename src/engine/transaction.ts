// The grouping of `transaction`: which events make up each transaction. It is a sequential state machine, as
// Splunk's is, so it runs here over the events' keys, times and start/end flags (in the order the command receives
// them: newest first for raw events), and hands back the transactions as ranges of event numbers; the SQL does the
// rest (compile/commands/transaction.ts).
//
// Per key, events arrive newest first. An event joins the open transaction unless adding it would break a rule —
// the transaction would span more than maxspan, the pause since the previous (newer) event would exceed maxpause,
// it already has maxevents events, or the event matches endswith (an end is the newest event of a transaction, so
// it opens one) — in which case the open transaction closes and the event opens the next. An event matching
// startswith (the oldest event of a transaction) closes the transaction it joined. A transaction is complete when
// it has what startswith and endswith ask for (its oldest event is a start, its newest an end); the others are
// evicted, and kept only with keepevicted=true (closed_txn=0).

export interface TransactionRules {
  /** Seconds; undefined: no limit. */
  maxspan?: number;
  maxpause?: number;
  maxevents?: number;
  startswith: boolean;
  endswith: boolean;
  keepevicted: boolean;
}

/** A transaction: the events numbered first…last (contiguous: events are numbered by key, then arrival). */
export interface TransactionRange {
  first: number;
  last: number;
  closed: boolean;
}

interface Open {
  first: number;
  last: number;
  count: number;
  newest: number | null;
  oldest: number | null;
  /** The newest event matches endswith (or no end is asked for). */
  ended: boolean;
}

export class TransactionMachine {
  private key: string | undefined;
  private open: Open | undefined;

  constructor(
    private readonly rules: TransactionRules,
    private readonly emit: (t: TransactionRange) => void,
  ) {}

  /** The next event: its number (consecutive within a key), key, time (null: unknown) and flags. */
  push(id: number, key: string, time: number | null, start: boolean, end: boolean): void {
    const r = this.rules;
    if (key !== this.key) {
      this.close(false);
      this.key = key;
    }
    const o = this.open;
    if (o) {
      const tooLong = r.maxspan !== undefined && o.newest !== null && time !== null && o.newest - time > r.maxspan;
      const paused = r.maxpause !== undefined && o.oldest !== null && time !== null && o.oldest - time > r.maxpause;
      const full = r.maxevents !== undefined && o.count >= r.maxevents;
      if (tooLong || paused || full || (r.endswith && end)) this.close(false);
    }
    if (!this.open) {
      this.open = { first: id, last: id, count: 1, newest: time, oldest: time, ended: !r.endswith || end };
    } else {
      this.open.last = id;
      this.open.count++;
      if (time !== null) this.open.oldest = time;
    }
    if (r.startswith && start) this.close(true);
  }

  /** After the last event. */
  finish(): void {
    this.close(false);
  }

  private close(started: boolean): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    const closed = (!this.rules.startswith || started) && o.ended;
    if (closed || this.rules.keepevicted) this.emit({ first: o.first, last: o.last, closed });
  }
}
