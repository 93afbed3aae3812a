// Shared by the scale-out tests: a database and a stream per test (removed afterwards), the rows
// PostgreSQL holds in the shape of the recorder's files, and a recorder / sink started as a user would.
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readKind } from './ledger.js';
import { startCli } from './cli.js';

export const ADMIN_PG = 'postgresql://postgres@127.0.0.1:5432/test';
export const LOCAL_NATS = 'nats://127.0.0.1:4222';

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_PG });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh database; `drop` removes it. */
export async function freshDb(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mf_${tag}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await admin(`CREATE DATABASE ${name}`);
  return { url: `postgresql://postgres@127.0.0.1:5432/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A unique stream name and subject prefix on a server; `drop` deletes the stream. */
export function testStream(tag: string, servers = LOCAL_NATS): { name: string; prefix: string; drop(): Promise<void> } {
  const id = `${tag}${process.pid}x${Math.floor(Math.random() * 1e9)}`;
  return {
    name: `MFT_${id}`.toUpperCase(),
    prefix: `mft${id}`.toLowerCase(),
    async drop() {
      const nc = await connect({ servers, timeout: 2000 }).catch(() => undefined);
      if (nc === undefined) return;
      try {
        await (await jetstreamManager(nc)).streams.delete(`MFT_${id}`.toUpperCase()).catch(() => {});
      } finally {
        await nc.close();
      }
    },
  };
}

/** Messages on one subject of a stream. */
export async function subjectCount(servers: string, stream: string, subject: string): Promise<number> {
  const nc = await connect({ servers });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: subject });
    return ((info.state.subjects ?? {}) as Record<string, number>)[subject] ?? 0;
  } finally {
    await nc.close();
  }
}

/** Messages a durable consumer has not had acknowledged yet (waiting or delivered unacked). */
export async function consumerBacklog(servers: string, stream: string, durable: string): Promise<number> {
  const nc = await connect({ servers });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, durable);
    return info.num_pending + info.num_ack_pending;
  } finally {
    await nc.close();
  }
}

/** The trades of one symbol's files as `ts,price,qty,side,id,local_ts` lines, sorted by id. */
export function fileTrades(dataDir: string, label: string, symbolFs: string): string[] {
  return readKind(dataDir, label, symbolFs, 'trades').rows.map((r) => `${r[0]},${r[1]},${r[2]},${r[3]},${r[4]},${r[5]}`).sort(byId);
}

/** The same lines from PostgreSQL. */
export async function pgTrades(url: string, symbol: string): Promise<string[]> {
  const rows = await query<{ l: string }>(url, `SELECT ts::text || ',' || price::text || ',' || qty::text || ',' || side || ',' || trade_id || ',' || local_ts::text AS l FROM trades WHERE symbol = '${symbol}'`);
  return rows.map((r) => r.l).sort(byId);
}

/** Book rows of the files (`ts,local_ts,update_id,bid1…,ask…`, empty cells dropped). */
export function fileBook(dataDir: string, label: string, symbolFs: string): string[] {
  return readKind(dataDir, label, symbolFs, 'book').rows.map((r) => r.filter((c, i) => i < 3 || c !== '').join(','));
}

export async function pgBook(url: string, symbol: string): Promise<string[]> {
  const rows = await query<{ ts: string; local_ts: string; update_id: string; bids: [string, string][]; asks: [string, string][] }>(
    url, `SELECT ts::text, local_ts::text, update_id::text, bids, asks FROM book_top WHERE symbol = '${symbol}' ORDER BY local_ts, ts`,
  );
  return rows.map((r) => [r.ts, r.local_ts, Number(r.update_id) >= 0 ? r.update_id : '', ...r.bids.flat(), ...r.asks.flat()].join(','));
}

function byId(a: string, b: string): number {
  const ia = Number(a.split(',')[4]);
  const ib = Number(b.split(',')[4]);
  return ia - ib;
}

/** `marketfeed sink` until killed or --duration. */
export function startSink(args: string[]) {
  return startCli(['sink', '--log-level', 'warn', ...args]);
}
