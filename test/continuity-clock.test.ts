// Issue 11, "Continuity": an injected clock that jumps back or forward never reorders rows, breaks
// day partitions or stalls a timer.
//
// 1. A recording runs in process (runRecorder, what `marketfeed record` runs) against the
//    simulator, with the recorder's clock (core/time.ts) reading a wall clock this test moves: it
//    starts at 23:55 UTC, steps back one hour, steps forward across midnight to 00:01, then steps
//    back one hour across midnight again. Afterwards:
//    - every file's rows (raw, trades, book, events; all parts) are in non-decreasing local time,
//      each inside its own UTC day;
//    - exactly one day directory per UTC day the local clock crossed (two), the first sealed at
//      the forward step and never reopened by the later step back;
//    - no `.open` part is left after the stop;
//    - the timers kept firing: the files grew after every step (flushes), one connection all along;
//    - each step was logged once, with its size; both days validate clean.
// 2. A connection to a quiet venue: its watchdog measures on the monotonic clock, so a step
//    forward of an hour is not an hour of silence, and its pings go on after a step back.
// 3. The NATS outbox names spool segments so that a run after a step back still sorts last.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runRecorder } from '../src/cli/record.js';
import { loadConfig } from '../src/core/config.js';
import { RecorderClock, useRecorderClock, utcDay } from '../src/core/time.js';
import { dayParts } from '../src/replay/raw.js';
import { validateDay } from '../src/replay/validate.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import type { RawFrame } from '../src/core/frames.js';
import { Connection, type ConnectionStatus } from '../src/transport/connection.js';
import { Outbox, type OutMsg } from '../src/sinks/nats/outbox.js';
import { walkFiles } from './data-dir.js';
import { dayDirs, readCsvGz } from './ledger.js';
import { until } from './wait.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const FS = 'BTCUSDT';
// the next UTC midnight: the recording's wall clock starts five minutes before it
const MIDNIGHT_MS = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
const DAY1 = utcDay((MIDNIGHT_MS - 1) * 1000);
const DAY2 = utcDay(MIDNIGHT_MS * 1000);

let sim: SimHandle;
let dataDir: string;
let previousClock: RecorderClock | undefined;
/** The wall clock the recorder sees: real time plus this offset (the test steps it). */
let offsetMs = 0;
const wallMs = (): number => Date.now() + offsetMs;
/** Each step of the wall clock, in seconds (what the log must say). */
const stepsS: number[] = [];
/** Sets the recorder's wall clock to `ms`, noting the size of the step. */
function setWall(ms: number): void {
  if (stepsS.length > 0 || offsetMs !== 0) stepsS.push((ms - wallMs()) / 1000);
  offsetMs = ms - Date.now();
}
const logLines: { msg: string; stepS?: number; catchUpS?: number }[] = [];
let exitCode: number | undefined;
/** Book bytes of each day at each step, and after the growth that followed it. */
const growth: { step: string; day: string; before: number; after: number }[] = [];
let day1SealedBytes = 0;
let day1AtEnd = 0;

const dayDir = (day: string): string => join(dataDir, 'binance', FS, day);
/** Bytes of every file of `kind` in a day (finished parts and the `.open` one). */
function kindBytes(day: string, kind: string): number {
  let names: string[];
  try {
    names = readdirSync(dayDir(day));
  } catch {
    return 0;
  }
  let n = 0;
  for (const f of names) if (f.startsWith(`${kind}_`)) n += statSync(join(dayDir(day), f)).size;
  return n;
}
const openParts = (dir: string): string[] => walkFiles(dir).filter((p) => p.endsWith('.open'));

/** Waits until the day's book files have grown twice (two flushes, the second wholly after the step). */
async function grows(step: string, day: string): Promise<void> {
  const before = kindBytes(day, 'book');
  const once = await until(() => kindBytes(day, 'book') > before && kindBytes(day, 'book'), 20_000);
  const after = await until(() => kindBytes(day, 'book') > once && kindBytes(day, 'book'), 20_000);
  growth.push({ step, day, before, after });
}

/** local_timestamp of every row of `kind` in one day, over all its parts in order. */
function localTimes(day: string, kind: 'raw' | 'trades' | 'book' | 'events'): number[] {
  const out: number[] = [];
  for (const path of dayParts(dayDir(day), kind, FS, day)) {
    if (kind === 'raw') {
      for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
        if (line.length > 0) out.push((JSON.parse(line) as { localTs: number }).localTs);
      }
      continue;
    }
    const { header, rows } = readCsvGz(path);
    const col = header.indexOf('local_timestamp');
    expect(col, `${path}: local_timestamp column`).toBeGreaterThanOrEqual(0);
    for (const r of rows) out.push(Number(r[col]));
  }
  return out;
}

describe('a recording whose wall clock steps back 1 h, forward across midnight, and back across it', () => {
  beforeAll(async () => {
    sim = await startSim({ symbols: [FS], seed: 12, diffIntervalMs: 20 });
    dataDir = mkdtempSync(join(tmpdir(), 'mf-clock-'));
    setWall(MIDNIGHT_MS - 300_000); // 23:55
    previousClock = useRecorderClock(new RecorderClock({ source: { wallMs, monoMs: () => performance.now() } }));
    const log = pino({ level: 'warn' }, {
      write: (line: string) => void logLines.push(JSON.parse(line) as { msg: string; stepS?: number; catchUpS?: number }),
    });
    const config = loadConfig({
      env: {}, cwd: '/nonexistent', flags: {
        venue: 'binance', symbols: 'BTC/USDT', 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, dataDir, depth: '10',
        'storage.flushIntervalS': '0.2', 'storage.parquet': 'false', status: 'false', logLevel: 'warn',
      },
    });
    let stop!: (why: string) => void;
    const run = runRecorder(config, { stop: new Promise<string>((r) => (stop = r)), log });
    try {
      await grows('start', DAY1);
      setWall(wallMs() - HOUR_MS); // 23:55 → 22:55: local time must hold its order and stay in DAY1
      await grows('back 1 h', DAY1);
      setWall(MIDNIGHT_MS + 60_000); // → 00:01 of DAY2: local time steps into the next day
      await grows('forward across midnight', DAY2);
      await until(() => openParts(dayDir(DAY1)).length === 0, 20_000); // DAY1 sealed in the background
      day1SealedBytes = kindBytes(DAY1, 'book') + kindBytes(DAY1, 'raw') + kindBytes(DAY1, 'events') + kindBytes(DAY1, 'trades');
      setWall(wallMs() - HOUR_MS); // → 23:01 of DAY1 again: DAY1 must not be reopened
      await grows('back 1 h across midnight', DAY2);
    } finally {
      stop('test');
      exitCode = await run;
    }
    day1AtEnd = kindBytes(DAY1, 'book') + kindBytes(DAY1, 'raw') + kindBytes(DAY1, 'events') + kindBytes(DAY1, 'trades');
  }, 120_000);

  afterAll(async () => {
    if (previousClock !== undefined) useRecorderClock(previousClock);
    await sim?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stopped cleanly, leaving no .open part', () => {
    expect(exitCode).toBe(0);
    expect(openParts(dataDir)).toEqual([]);
  });

  it('has exactly one day directory per UTC day crossed, and the first was not reopened', () => {
    expect(dayDirs(dataDir, 'binance', FS).map((d) => d.slice(-8))).toEqual([DAY1, DAY2]);
    expect(day1SealedBytes).toBeGreaterThan(0);
    expect(day1AtEnd).toBe(day1SealedBytes);
  });

  it.each(['raw', 'trades', 'book', 'events'] as const)('%s: rows in non-decreasing local time, each inside its own day', (kind) => {
    for (const day of [DAY1, DAY2]) {
      const times = localTimes(day, kind);
      expect(times.length, `${kind} rows of ${day}`).toBeGreaterThan(0);
      for (let i = 1; i < times.length; i++) {
        if (times[i] < times[i - 1]) expect.fail(`${kind} ${day}: row ${i} at ${times[i]} after ${times[i - 1]}`);
      }
      expect(utcDay(times[0])).toBe(day);
      expect(utcDay(times[times.length - 1])).toBe(day);
    }
  });

  it('kept flushing after every step', () => {
    expect(growth.map((g) => [g.step, g.day])).toEqual([
      ['start', DAY1], ['back 1 h', DAY1], ['forward across midnight', DAY2], ['back 1 h across midnight', DAY2],
    ]);
    for (const g of growth) expect(g.after, g.step).toBeGreaterThan(g.before);
  });

  it('kept its one connection through every step', () => {
    const states: string[] = [];
    for (const day of [DAY1, DAY2]) {
      for (const path of dayParts(dayDir(day), 'events', FS, day)) {
        const { rows } = readCsvGz(path);
        for (const r of rows) if (r[3] === 'connect' || r[3] === 'disconnect') states.push(r[4]);
      }
    }
    expect(states).toEqual(['CONNECTED', 'DISCONNECTED']);
  });

  it('logged each step once, with its size', () => {
    const steps = logLines.filter((l) => l.msg.startsWith('wall clock stepped'));
    expect(steps.map((l) => l.msg.split(':')[0])).toEqual(['wall clock stepped back', 'wall clock stepped forward', 'wall clock stepped back']);
    expect(stepsS).toHaveLength(3);
    expect(Math.round(stepsS[0])).toBe(-3600);
    expect(stepsS[1]).toBeGreaterThan(3600); // 22:55 and a few seconds → 00:01
    expect(Math.round(stepsS[2])).toBe(-3600);
    // sizes as the clock measured them: within a look (100 ms) and the slew's progress of the truth
    for (let i = 0; i < 3; i++) expect(Math.abs(steps[i].stepS! - Math.abs(stepsS[i]))).toBeLessThan(0.5);
    expect(Math.abs(steps[0].catchUpS! - 7200)).toBeLessThanOrEqual(1);
  });

  it.each([DAY1, DAY2])('day %s validates clean', async (day) => {
    const report = await validateDay(dayDir(day));
    expect(report.clean, JSON.stringify(report)).toBe(true);
  });
});

// A quiet venue (it never sends a frame after the open) shows what the recording cannot: were
// the watchdog to measure spans in local time, a step forward of an hour would be an hour of
// silence (killed for no data, rotated for its age) and a step back would stretch every
// interval. Its application pings (every 50 ms, recorded as `out` frames) show the timer firing.
describe('a connection to a quiet venue while the wall clock steps forward 1 h and back 1 h', () => {
  let server: WebSocketServer;
  let conn: Connection;
  let previous: RecorderClock | undefined;
  let stepMs = 0;
  const frames: RawFrame[] = [];
  const states: ConnectionStatus[] = [];
  const pings = (): number => frames.filter((f) => f.dir === 'out' && f.keepalive === true).length;

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    previous = useRecorderClock(new RecorderClock({ source: { wallMs: () => Date.now() + stepMs, monoMs: () => performance.now() } }));
    conn = new Connection({
      venue: 'test', url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, subscribe: () => [],
      appPing: { text: 'ping', intervalMs: 50 },
      openTimeoutMs: 5000, pingIntervalMs: 0, pingTimeoutMs: 5000, noDataWarnMs: 0, noDataTimeoutMs: 10_000,
      maxSessionMs: 1_800_000, backoffBaseMs: 50, backoffMaxMs: 500,
      onFrame: (f) => frames.push(f), onStatus: (s) => states.push(s),
    });
    conn.start();
    await until(() => pings() >= 3);
  });

  afterAll(async () => {
    await conn?.stop();
    if (previous !== undefined) useRecorderClock(previous);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('neither drops nor rotates the socket after a step forward, and its timers keep firing', async () => {
    stepMs += HOUR_MS;
    const seen = pings();
    await until(() => pings() >= seen + 10); // ten more pings: dozens of watchdog ticks after the step
    expect(states.map((s) => s.state)).toEqual(['CONNECTING', 'CONNECTED']);
    expect(conn.stats.rotations).toBe(0);
    expect(frames.filter((f) => f.dir === 'conn').map((f) => f.data.split(' ')[0])).toEqual(['open']);
  });

  it('keeps pinging after a step back, with the frames still in order', async () => {
    stepMs -= HOUR_MS;
    const seen = pings();
    await until(() => pings() >= seen + 10);
    expect(states.map((s) => s.state)).toEqual(['CONNECTING', 'CONNECTED']);
    for (let i = 1; i < frames.length; i++) expect(frames[i].localTs).toBeGreaterThanOrEqual(frames[i - 1].localTs);
  });
});

// The NATS outbox names its spool segments after the time, and the next run publishes them in
// name order: a run that starts after the wall clock stepped back must still name its segment
// after the newest one (or it would be published first, or overwrite one of the same name).
describe('NATS outbox segments across a wall clock step back', () => {
  const dirs: string[] = [];
  let previous: RecorderClock | undefined;
  /** A recorder process starting now: a fresh clock on the (faked) wall clock. */
  const newProcess = (): void => {
    const c = new RecorderClock({ source: { wallMs: () => Date.now(), monoMs: () => performance.now() } });
    const old = useRecorderClock(c);
    previous ??= old;
  };
  afterEach(() => {
    vi.useRealTimers();
    if (previous !== undefined) useRecorderClock(previous);
    previous = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('the later run\'s segment sorts after the earlier one, and both are published in order', () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'mf-clock-outbox-'));
    dirs.push(spoolDir);
    const msg = (i: number): OutMsg => ({ subject: 'md.x.trades.AB', data: `{"i":${i}}`, msgId: `id${i}` });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 7, 12, 0, 0) });
    newProcess();
    const first = new Outbox({ spoolDir, maxMemoryBytes: 1 << 20 });
    for (let i = 0; i < 3; i++) first.push(msg(i));
    first.spoolAll([]);
    vi.setSystemTime(Date.UTC(2026, 11, 7, 11, 0, 0)); // the wall clock steps back 1 h; a new run
    newProcess();
    const second = new Outbox({ spoolDir, maxMemoryBytes: 1 << 20 });
    for (let i = 3; i < 6; i++) second.push(msg(i));
    second.spoolAll([]);
    const names = readdirSync(spoolDir).sort();
    expect(names).toHaveLength(2);
    const third = new Outbox({ spoolDir, maxMemoryBytes: 1 << 20 });
    const out: string[] = [];
    for (let m = third.next(); m !== undefined; m = third.next()) {
      out.push(m.msgId);
      third.done(m);
    }
    expect(out).toEqual(['id0', 'id1', 'id2', 'id3', 'id4', 'id5']);
  });
});
