// Where a recording goes besides its files: the NATS JetStream bus (`--nats`) and PostgreSQL
// (`--postgres`), started before anything connects (a refused server is one line, exit 2), fed
// after the files (files are the source of truth), and stopped after the feed. Also the tick
// stream (`--ticks-csv`), opened before anything connects too.
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { MarketEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
// The bus, database and tick-stream modules load only when their output is on: a plain
// recording does not pay for their code (the NATS and pg clients are ~5 MiB of heap and ~25 MiB
// of RSS once imported, issue 10).
import type { NatsPublisher, PublisherStats } from '../sinks/nats/publisher.js';
import type { PgWriter } from '../sinks/postgres/writer.js';
import type { TicksStream } from '../storage/ticks-stream.js';
import type { SessionHandlers } from '../venues/index.js';

/** The spool of unacknowledged bus messages, per recorder label, inside the data dir. */
export function outboxDir(dataDir: string, venueLabel: string): string {
  return join(dataDir, '.nats-outbox', venueLabel);
}

export async function startBus(cfg: Config, venueLabel: string, log: Logger): Promise<NatsPublisher | undefined> {
  if (cfg.nats === '') return undefined;
  const { NatsPublisher } = await import('../sinks/nats/publisher.js');
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
    const { PgWriter } = await import('../sinks/postgres/writer.js');
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
    const end = performance.now() + timeoutMs; // monotonic: a wall clock step neither cuts nor stretches it
    while (performance.now() < end) {
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

/** Write failures of the tick stream are logged at most this often per file (as the day files'). */
const TICKS_ERROR_LOG_MS = 10_000;

/** `record --ticks-csv` (storage.ticks): every symbol's stream file opened (or created) now. */
export async function startTicks(cfg: Config, venueLabel: string, log: Logger): Promise<TicksStream | undefined> {
  if (!cfg.storage.ticks) return undefined;
  const st = cfg.storage;
  const lastLog = new Map<string, number>();
  const { TicksStream } = await import('../storage/ticks-stream.js');
  const ticks = await TicksStream.open({
    dataDir: cfg.dataDir, venueLabel, symbols: cfg.symbols, flushIntervalMs: st.flushIntervalS * 1000,
    rotation: { maxRows: st.maxRows, maxBytes: st.maxBytes, rotateEveryUs: st.rotateEvery * 1000 },
    retention: { maxAgeMs: st.retentionDays * 86_400_000, maxBytes: st.retentionMaxBytes },
    window: cfg.window,
    // a slice of the write-backlog budget, beside the day files' (trades, book, events, raw)
    maxPendingBytes: Math.max(64 * 1024, Math.floor(st.maxBufferBytes / (cfg.symbols.length * 5))),
    onError: (e) => {
      const now = performance.now();
      if (now - (lastLog.get(e.path ?? '') ?? -Infinity) < TICKS_ERROR_LOG_MS) return;
      lastLog.set(e.path ?? '', now);
      log.error({ code: e.code, path: e.path, err: e.message }, 'tick stream write failed');
    },
    onRetention: (deleted) => {
      for (const f of deleted) log.info({ path: f.path, bytes: f.bytes }, 'retention deleted a tick file');
    },
  });
  log.info({ files: Object.values(ticks.paths) }, 'appending trades to the tick stream');
  return ticks;
}

/** Trades also go to the tick stream, after the handlers before it. */
export function withTicks(h: Partial<SessionHandlers>, ticks: TicksStream | undefined): Partial<SessionHandlers> {
  if (ticks === undefined) return h;
  const event = h.event!;
  return {
    ...h,
    event: (ev) => {
      event(ev);
      if (ev.type === 'trade') ticks.trade(ev);
    },
  };
}

export function ticksSummary(t: TicksStream | undefined): Record<string, unknown> {
  return t === undefined ? {} : { ticksRows: t.stats.rows, ticksDropped: t.stats.dropped, ticksWriteErrors: t.stats.writeErrors, ticksRotations: t.stats.rotations };
}
