// `marketfeed sink --data-dir DIR`: what comes off the bus goes into the same files `record`
// writes (raw frames under each symbol they concern, trades, book rows and the ledger), one
// CaptureSink per venue and symbol, created as they appear. A batch is acknowledged once its
// files are flushed. Redelivery after a crash can repeat rows here (at-least-once); the
// PostgreSQL target is the exactly-once one.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { CaptureSink } from '../storage/capture.js';
import { lockSymbol, type WriterLock } from '../storage/lock.js';
import type { SinkItem, SinkTarget } from './nats/consumer.js';

export class FilesTarget implements SinkTarget {
  readonly wantsRaw = true;
  private readonly sinks = new Map<string, CaptureSink>();
  private readonly locks: WriterLock[] = [];

  constructor(private readonly cfg: Config, private readonly log: Logger) {}

  async write(items: SinkItem[]): Promise<void> {
    // every symbol's lock first (storage/lock.ts): a batch touching a symbol another process
    // writes fails whole (MF_ERR_LOCKED, redelivered later) instead of being half written
    for (const it of items) {
      if ('ev' in it) {
        if (it.ev.symbol !== '*') this.sinkOf(it.ev.venue, it.ev.symbol);
      } else {
        for (const symbol of it.symbols) this.sinkOf(it.raw.venue, symbol);
      }
    }
    const touched = new Set<CaptureSink>();
    for (const it of items) {
      if ('ev' in it) {
        if (it.ev.symbol === '*') continue;
        const s = this.sinkOf(it.ev.venue, it.ev.symbol);
        s.handlers.event(it.ev);
        touched.add(s);
      } else {
        for (const symbol of it.symbols) {
          const s = this.sinkOf(it.raw.venue, symbol);
          s.handlers.raw(it.raw, [symbol]);
          touched.add(s);
        }
      }
    }
    await Promise.all([...touched].map((s) => s.flush()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
    for (const l of this.locks) l.release();
  }

  private sinkOf(venue: string, symbol: string): CaptureSink {
    const key = `${venue}\u0000${symbol}`;
    let s = this.sinks.get(key);
    if (s === undefined) {
      this.locks.push(lockSymbol(this.cfg.dataDir, venue, symbol, { command: 'sink' })); // before anything of it is created
      s = new CaptureSink({ config: this.cfg, venueLabel: venue, venue, symbols: [symbol], log: this.log });
      s.runStart(`sink venue=${venue} symbol=${symbol}`);
      this.sinks.set(key, s);
    }
    return s;
  }
}

