// The PostgreSQL sink target: the events of each batch in one transaction (PgWriter), so the
// consumer acknowledges a batch only once it has committed.
import type { SinkItem, SinkTarget } from '../nats/consumer.js';
import type { MarketEvent } from '../../core/events.js';
import { PgWriter } from './writer.js';

export class PostgresTarget implements SinkTarget {
  readonly wantsRaw = false;
  readonly stats = { rows: 0, inserted: 0 };

  constructor(private readonly writer: PgWriter) {}

  async write(items: SinkItem[]): Promise<void> {
    const events: MarketEvent[] = [];
    const keys: (string | undefined)[] = [];
    for (const it of items) {
      if (!('ev' in it)) continue;
      events.push(it.ev);
      keys.push(it.key);
    }
    const c = await this.writer.write(events, keys);
    this.stats.rows += c.rows;
    this.stats.inserted += c.inserted;
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
