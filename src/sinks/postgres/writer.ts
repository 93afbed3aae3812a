// Writes normalized events into PostgreSQL (tables in schema.sql). Each batch is one transaction:
// per table a staging COPY, then INSERT … ON CONFLICT DO NOTHING into the real table, so a batch
// that is written twice (a redelivery, a sink restarted before its ack, a second recorder) adds
// no row. The caller acknowledges its messages only after write() has resolved (committed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { MarketEvent } from '../../core/events.js';
import { MarketfeedError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { eventMsgId, eventPayload } from '../subjects.js';

export const TABLES = ['trades', 'book_top', 'quotes', 'derivatives', 'events'] as const;
type Table = (typeof TABLES)[number];

const COLUMNS: Readonly<Record<Table, string>> = {
  trades: 'venue, symbol, trade_id, ts, local_ts, time, price, qty, side',
  book_top: 'event_key, venue, symbol, ts, local_ts, time, update_id, depth, bids, asks',
  quotes: 'event_key, venue, symbol, ts, local_ts, time, update_id, bid_price, bid_qty, ask_price, ask_qty',
  derivatives: 'event_key, venue, symbol, ts, local_ts, time, mark_price, index_price, funding_rate, next_funding_ts, open_interest',
  events: 'event_key, venue, symbol, type, ts, local_ts, time, body',
};

/** The DDL, kept beside this file (copied into dist by the build). */
export function schemaSql(): string {
  return readFileSync(fileURLToPath(new URL('./schema.sql', import.meta.url)), 'utf8');
}

/** A postgres:// URL with any password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Checks a --postgres value. */
export function checkPostgresUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MarketfeedError('MF_ERR_USAGE', `--postgres: ${JSON.stringify(url)} is not a URL (want postgresql://user@host:5432/db)`, { got: url });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new MarketfeedError('MF_ERR_USAGE', `--postgres: ${JSON.stringify(redactUrl(url))} is not a postgresql:// URL`, { got: redactUrl(url) });
  }
}

export interface WriteCounts {
  rows: number;
  inserted: number;
}

export class PgWriter {
  private constructor(private readonly client: pg.Client, private readonly log: Logger) {}

  /**
   * Connects and checks the tables (creating them with `init`). A refused server, a missing
   * database or table is a MarketfeedError naming what to do.
   */
  static async connect(url: string, opts: { init: boolean; log: Logger }): Promise<PgWriter> {
    checkPostgresUrl(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', (err) => opts.log.error({ err: err.message }, 'PostgreSQL connection error'));
    try {
      await client.connect();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const where = redactUrl(url);
      if (code === '3D000') throw new MarketfeedError('MF_ERR_CONFIG', `PostgreSQL at ${where}: ${(e as Error).message}; create it first (createdb)`, { path: 'postgres', got: where });
      throw new MarketfeedError('MF_ERR_UNREACHABLE', `cannot connect to PostgreSQL at ${where}: ${(e as Error).message || code}`, { got: code, cause: e });
    }
    const w = new PgWriter(client, opts.log);
    try {
      if (opts.init) await w.init();
      await w.checkTables();
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    return w;
  }

  private async init(): Promise<void> {
    await this.client.query(schemaSql());
    const ext = await this.client.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
    if (ext.rowCount === 0) return;
    for (const t of TABLES) await this.client.query(`SELECT create_hypertable('${t}', 'time', if_not_exists => TRUE, migrate_data => TRUE)`);
    this.log.info({}, 'PostgreSQL: TimescaleDB found; the tables are hypertables on time');
  }

  private async checkTables(): Promise<void> {
    const res = await this.client.query<{ t: string; ok: string | null }>(
      'SELECT t, to_regclass(t)::text AS ok FROM unnest($1::text[]) AS t', [TABLES as unknown as string[]],
    );
    const missing = res.rows.filter((r) => r.ok === null).map((r) => r.t);
    if (missing.length > 0) {
      throw new MarketfeedError('MF_ERR_CONFIG', `PostgreSQL has no table ${missing.join(', ')}: run once with --init to create the tables`, { path: 'postgres' });
    }
  }

  /**
   * Writes a batch in one transaction; resolves once it has committed. Book changes are not kept.
   * `keys[i]`, when given, is event i's key as the bus already carries it (its Nats-Msg-Id), so
   * it is not computed again.
   */
  async write(events: readonly MarketEvent[], keys?: readonly (string | undefined)[]): Promise<WriteCounts> {
    const rows = new Map<Table, string[]>();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      // the bus carries every book change; the database keeps the verified tops (book_top)
      if (ev.type === 'book_change') continue;
      const r = rowOf(ev, keys?.[i]);
      let list = rows.get(r.table);
      if (list === undefined) rows.set(r.table, (list = []));
      list.push(r.csv);
    }
    let inserted = 0;
    const c = this.client;
    await c.query('BEGIN');
    try {
      for (const [table, lines] of rows) {
        const stage = `stage_${table}`;
        await c.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table}) ON COMMIT DELETE ROWS`);
        // one chunk per table: a chunk per row is a socket write per row
        await pipeline(Readable.from([lines.join('')]), c.query(copyFrom(`COPY ${stage} (${COLUMNS[table]}) FROM STDIN WITH (FORMAT csv)`)));
        const res = await c.query(`INSERT INTO ${table} (${COLUMNS[table]}) SELECT ${COLUMNS[table]} FROM ${stage} ON CONFLICT DO NOTHING`);
        inserted += res.rowCount ?? 0;
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw new MarketfeedError('MF_ERR_WRITE_FAILED', `PostgreSQL write failed: ${(e as Error).message}`, { cause: e });
    }
    return { rows: events.length, inserted };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

// --- rows ------------------------------------------------------------------------------------

const NEEDS_QUOTES_RE = /[",\r\n]/;

/** A CSV field for COPY: empty means NULL, so text is quoted when empty or when it must be. */
function text(s: string): string {
  return s === '' || NEEDS_QUOTES_RE.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
const opt = (s: string | number | undefined): string => (s === undefined ? '' : String(s));

/** Epoch µs → an ISO timestamp with all six fractional digits. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // …T12:34:56.789Z
  return iso.slice(0, 23) + String(us - ms * 1000).padStart(3, '0') + 'Z';
}

function rowOf(ev: MarketEvent, known: string | undefined): { table: Table; csv: string } {
  const key = (e: MarketEvent): string => known ?? eventMsgId(e, eventPayload(e));
  const head = (key: string): string => text(key) + ',' + text(ev.venue) + ',' + text(ev.symbol) + ',' + ev.ts + ',' + ev.localTs + ',' + isoMicros(ev.ts);
  switch (ev.type) {
    case 'trade':
      return {
        table: 'trades',
        csv: text(ev.venue) + ',' + text(ev.symbol) + ',' + text(ev.id) + ',' + ev.ts + ',' + ev.localTs + ',' + isoMicros(ev.ts) + ',' +
          ev.price + ',' + ev.amount + ',' + ev.side + '\n',
      };
    case 'book_snapshot':
      return {
        table: 'book_top',
        csv: head(key(ev)) + ',' + ev.updateId + ',' + ev.depth + ',' + text(JSON.stringify(ev.bids)) + ',' + text(JSON.stringify(ev.asks)) + '\n',
      };
    case 'quote':
      return {
        table: 'quotes',
        csv: head(key(ev)) + ',' + opt(ev.updateId) + ',' + ev.bidPrice + ',' + ev.bidAmount + ',' + ev.askPrice + ',' + ev.askAmount + '\n',
      };
    case 'derivative':
      return {
        table: 'derivatives',
        csv: head(key(ev)) + ',' + opt(ev.markPrice) + ',' + opt(ev.indexPrice) + ',' + opt(ev.fundingRate) + ',' + opt(ev.nextFundingTs) + ',' + opt(ev.openInterest) + '\n',
      };
    default: {
      const k = key(ev);
      return {
        table: 'events',
        csv: text(k) + ',' + text(ev.venue) + ',' + text(ev.symbol) + ',' + ev.type + ',' + ev.ts + ',' + ev.localTs + ',' + isoMicros(ev.ts) + ',' + text(eventPayload(ev)) + '\n',
      };
    }
  }
}

