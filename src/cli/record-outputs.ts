// Where a recording goes besides its files: the NATS JetStream bus (`--nats`) and PostgreSQL
// (`--postgres`), started before anything connects (a refused server is one line, exit 2), fed
// after the files (files are the source of truth), and stopped after the feed.
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { MarketEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { NatsPublisher, type PublisherStats } from '../sinks/nats/publisher.js';
import { PgWriter } from '../sinks/postgres/writer.js';

/** The spool of unacknowledged bus messages, per recorder label, inside the data dir. */
export function outboxDir(dataDir: string, venueLabel: string): string {
  return join(dataDir, '.nats-outbox', venueLabel);
}

export async function startBus(cfg: Config, venueLabel: string, log: Logger): Promise<NatsPublisher | undefined> {
  if (cfg.nats === '') return undefined;
  const bus = new NatsPublisher({
    servers: cfg.nats,
    stream: {
      name: cfg.natsStream, prefix: cfg.natsPrefix, maxAgeMs: cfg.natsMaxAge, maxBytes: cfg.natsMaxBytes,
      replicas: cfg.natsReplicas, duplicateWindowMs: 10 * 60_000,
    },
    spoolDir: outboxDir(cfg.dataDir, venueLabel),
    raw: cfg.natsRaw,
    log,
  });
  await bus.start();
  log.info({ nats: cfg.nats, stream: cfg.natsStream }, 'publishing to NATS JetStream');
  return bus;
}

const PG_FLUSH_MS = 500;
const PG_BATCH = 5000;
/** Events held while PostgreSQL is away; beyond this the oldest are dropped (counted, logged). */
const PG_MAX_PENDING = 2_000_000;

/**
 * `record --postgres`: events batched every PG_FLUSH_MS (or PG_BATCH rows), one write at a time.
 * A failed write keeps its batch and is tried again; the files hold everything regardless.
 */
export class PostgresOutput {
  private pending: MarketEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  readonly stats = { written: 0, inserted: 0, dropped: 0, failures: 0 };

  private constructor(private readonly writer: PgWriter, private readonly log: Logger) {}

  static async start(cfg: Config, log: Logger): Promise<PostgresOutput | undefined> {
    if (cfg.postgres === '') return undefined;
    const writer = await PgWriter.connect(cfg.postgres, { init: cfg.postgresInit, log });
    const out = new PostgresOutput(writer, log);
    out.timer = setInterval(() => out.flush(), PG_FLUSH_MS);
    log.info({}, 'writing to PostgreSQL');
    return out;
  }

  add(ev: MarketEvent): void {
    if (ev.type === 'book_change') return;
    this.pending.push(ev);
    if (this.pending.length > PG_MAX_PENDING) {
      const n = this.pending.length - PG_MAX_PENDING;
      this.pending.splice(0, n);
      this.stats.dropped += n;
      if (this.stats.dropped === n) this.log.error({ dropped: n }, 'PostgreSQL is too far behind: dropping the oldest events (the files still have them)');
    }
    if (this.pending.length >= PG_BATCH) this.flush();
  }

  private flush(): void {
    if (this.writing !== undefined || this.pending.length === 0) return;
    const batch = this.pending.splice(0, PG_BATCH);
    this.writing = this.writer.write(batch).then(
      (c) => {
        this.stats.written += c.rows;
        this.stats.inserted += c.inserted;
        this.failures = 0;
      },
      (e: Error) => {
        this.pending = batch.concat(this.pending);
        this.stats.failures++;
        if (this.failures++ === 0) this.log.error({ err: e.message }, 'PostgreSQL write failed; retrying');
      },
    ).finally(() => {
      this.writing = undefined;
    });
  }

  /** Writes what is pending (trying for up to `timeoutMs`), then closes the connection. */
  async stop(timeoutMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      await this.writing;
      if (this.pending.length === 0) break;
      this.flush();
      await this.writing;
      if (this.failures > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (this.pending.length > 0) this.log.error({ left: this.pending.length }, 'PostgreSQL: events not written at stop (the files have them)');
    await this.writer.close();
  }
}

export function busSummary(s: PublisherStats | undefined): Record<string, unknown> {
  return s === undefined ? {} : { natsAcked: s.acked, natsDuplicates: s.duplicates, natsPending: s.pending + s.inFlight, natsSpooledSegments: s.spooledSegments };
}
