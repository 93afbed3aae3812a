// Replay on several cores gives replay()'s bytes: the range split, the line batches, the merge of
// merges (against the one flat merge, on receive times that tie and go backwards), and the built
// CLI with 0 to 3 workers over symbols and days, against the library's events.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawFrame } from '../core/frames.js';
import { eventRow, rawLine } from '../storage/csv.js';
import { runCli } from '../../test/cli.js';
import { EventLines } from './event-line.js';
import { LINE_BATCH_BYTES, LineBatcher, type LineBatch } from './line-batch.js';
import { merge, seededRandom } from './merge.js';
import { mergeLineBatches, splitSources, type LineSource } from './parallel.js';
import { replay } from './replay.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('splitSources', () => {
  const src = (...bytes: number[]) => bytes.map((b, i) => ({ symbol: `S${i}`, bytes: b }));
  const names = (ranges: { symbol: string }[][]) => ranges.map((r) => r.map((s) => s.symbol).join(','));

  it.each([
    [[10, 10], 2, ['S0', 'S1']],
    [[10, 10, 10], 2, ['S0,S1', 'S2']],
    [[30, 10, 10, 10], 2, ['S0', 'S1,S2,S3']],
    [[5, 5, 5, 5], 2, ['S0,S1', 'S2,S3']],
    [[10], 4, ['S0']],
    [[1, 1, 1], 8, ['S0', 'S1', 'S2']],
    [[0, 0, 0, 0], 2, ['S0,S1,S2', 'S3']],
  ])('%j over %i workers: contiguous, every source once, none empty', (bytes, n, expected) => {
    expect(names(splitSources(src(...bytes), n))).toEqual(expected);
  });
});

describe('LineBatcher', () => {
  it('records each line\'s time and byte end, non-ASCII included, and hands its buffer on when full', () => {
    const out = new LineBatcher();
    expect(out.add(5, '{"a":"€"}')).toBe(true);
    expect(out.add(3, '{"b":1}')).toBe(true);
    const b = out.take();
    expect(b.n).toBe(2);
    expect([...b.ts.subarray(0, 2)]).toEqual([5, 3]);
    expect([...b.ends.subarray(0, 2)]).toEqual([12, 20]);
    expect(Buffer.from(b.bytes.subarray(0, 20)).toString()).toBe('{"a":"€"}\n{"b":1}\n');
    // a full batch refuses the line; the next one (in the spare's buffer) takes it
    const big = 'x'.repeat(LINE_BATCH_BYTES / 4);
    let added = 0;
    while (out.add(added, big)) added++;
    expect(added).toBeGreaterThan(0);
    const full = out.take(b);
    expect(full.n).toBe(added);
    expect(out.add(99, big)).toBe(true);
    expect(out.take().bytes).toBe(b.bytes);
    // a line larger than a batch gets a batch of its own
    const huge = 'y'.repeat(LINE_BATCH_BYTES * 2);
    expect(out.add(1, huge)).toBe(true);
    const alone = out.take();
    expect(alone.ends[0]).toBe(huge.length + 1);
  });
});

interface Item {
  localTs: number;
  text: string;
}

/** Sources of items whose times tie across sources and sometimes go backwards within one. */
function randomSources(seed: number, count: number): Item[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, s) => {
    let ts = 1000;
    return Array.from({ length: 1 + Math.floor(random() * 300) }, (_, k) => {
      const r = random();
      ts += r < 0.3 ? 0 : r < 0.4 ? -Math.floor(random() * 20) : Math.floor(random() * 10);
      return { localTs: ts, text: `{"s":${s},"k":${k},"€":"${'z'.repeat(Math.floor(random() * 40))}"}` };
    });
  });
}

async function* inBatches<T>(items: T[], random: () => number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length;) {
    const n = 1 + Math.floor(random() * 50);
    yield items.slice(i, i + n);
    i += n;
  }
}

/** A worker's stream, in memory: the items of one range as line batches of random sizes. */
function lineSource(items: Item[], random: () => number): LineSource {
  const batches: LineBatch[] = [];
  for (let i = 0; i < items.length;) {
    const out = new LineBatcher();
    const n = 1 + Math.floor(random() * 40);
    for (const it of items.slice(i, i + n)) out.add(it.localTs, it.text);
    batches.push(out.take());
    i += n;
  }
  let k = -1;
  const src: LineSource = {
    batch: batches[0], i: 0,
    async next() {
      k++;
      if (k >= batches.length) return false;
      src.batch = batches[k];
      src.i = 0;
      return true;
    },
  };
  return src;
}

async function collectItems<T>(gen: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of gen) out.push(...b);
  return out;
}

describe('the merge of merges', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals the one flat merge (seed %i)', async (seed) => {
    const random = seededRandom(seed * 101);
    const sources = randomSources(seed, 2 + Math.floor(random() * 6));
    const flat = await collectItems(merge(sources.map((s) => inBatches(s, random))));
    // contiguous ranges, each merged as its worker would, then the ranges merged as lines
    const cuts = [0];
    for (let i = 1; i < sources.length; i++) if (random() < 0.5) cuts.push(i);
    cuts.push(sources.length);
    const ranges: LineSource[] = [];
    for (let r = 0; r + 1 < cuts.length; r++) {
      const items = await collectItems(merge(sources.slice(cuts[r], cuts[r + 1]).map((s) => inBatches(s, random))));
      ranges.push(lineSource(items, random));
    }
    const progress = { events: 0 };
    const chunks: Buffer[] = [];
    for await (const c of mergeLineBatches(ranges, progress)) chunks.push(Buffer.from(c)); // copied: a chunk is reused
    expect(Buffer.concat(chunks).toString()).toBe(flat.map((x) => x.text + '\n').join(''));
    expect(progress.events).toBe(flat.length);
  });
});

// --- the CLI over a data directory ------------------------------------------------------------

const T0 = Date.UTC(2024, 0, 2, 23, 59, 59) * 1000; // one second before midnight UTC, µs
const URL_SPOT = 'ws://127.0.0.1:1/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker/ethusdt@depth@100ms/ethusdt@trade/ethusdt@bookTicker/solusdt@depth@100ms/solusdt@trade/solusdt@bookTicker';

/** A symbol's capture across midnight: open, REST snapshot, diffs, trades, quotes, a gap, close. */
function capture(s: string, t0: number, step: number, seed: number): RawFrame[] {
  const random = seededRandom(seed);
  const out: RawFrame[] = [];
  let seq = 0;
  let ts = t0;
  const f = (dir: RawFrame['dir'], data: string, url?: string): void => {
    out.push({ venue: 'binance', connId: dir === 'rest' ? 0 : 1, recvSeq: dir === 'rest' ? 0 : ++seq, localTs: ts, dir, data, ...(url ? { url } : {}) });
    ts += random() < 0.3 ? 0 : step; // ties within a symbol and, stepping alike, across symbols
  };
  const lower = s.toLowerCase();
  f('conn', `open ${URL_SPOT}`, URL_SPOT);
  f('in', JSON.stringify({ stream: `${lower}@depth@100ms`, data: { e: 'depthUpdate', E: 1, s, U: 5, u: 10, b: [['100.1', '1.0']], a: [] } }), URL_SPOT);
  f('rest', JSON.stringify({ lastUpdateId: 8, bids: [['100.0', '1.0'], ['99.0', '2.0']], asks: [['105.0', '1.0'], ['106.0', '3.0']] }), `http://127.0.0.1:1/api/v3/depth?symbol=${s}&limit=1000`);
  let id = 11;
  for (let k = 0; k < 400; k++) {
    const r = random();
    if (r < 0.6) {
      const U = k === 200 ? id + 5 : id; // one gap: a resync the REST body after it answers
      id = U + 1;
      const price = (95 + Math.floor(random() * 20) * 0.5).toFixed(1);
      const level = [price, random() < 0.2 ? '0' : (random() * 2).toFixed(3)];
      f('in', JSON.stringify({ stream: `${lower}@depth@100ms`, data: { e: 'depthUpdate', E: 2 + k, s, U, u: U, b: Number(price) < 102 ? [level] : [], a: Number(price) >= 102 ? [level] : [] } }), URL_SPOT);
      if (k === 200) f('rest', JSON.stringify({ lastUpdateId: U + 1, bids: [['100.0', '1.0']], asks: [['105.0', '1.0']] }), `http://127.0.0.1:1/api/v3/depth?symbol=${s}&limit=1000`);
    } else if (r < 0.8) {
      f('in', JSON.stringify({ stream: `${lower}@trade`, data: { e: 'trade', E: 2 + k, s, t: 1000 + k, p: '101.5', q: '0.25', T: 2 + k, m: random() < 0.5 } }), URL_SPOT);
    } else {
      f('in', JSON.stringify({ stream: `${lower}@bookTicker`, data: { u: id - 1, s, b: '100.0', B: '1.0', a: '105.0', A: '1.0' } }), URL_SPOT);
    }
  }
  f('conn', 'close 1006 gone');
  return out;
}

const utcDay = (us: number): string => new Date(us / 1000).toISOString().slice(0, 10).replaceAll('-', '');

/** Writes a capture into its day directories (split at midnight), with a ledger on the first day. */
function writeCapture(dataDir: string, fs: string, frames: RawFrame[], ledger: string[]): void {
  const byDay = new Map<string, RawFrame[]>();
  for (const f of frames) byDay.set(utcDay(f.localTs), [...(byDay.get(utcDay(f.localTs)) ?? []), f]);
  let first = true;
  for (const [day, rows] of byDay) {
    const dir = join(dataDir, 'sim-binance', fs, day);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `raw_${fs}_${day}.ndjson.gz`), gzipSync(rows.map(rawLine).join('')));
    if (first) writeFileSync(join(dir, `events_${fs}_${day}.csv.gz`), gzipSync('event_id,timestamp,local_timestamp,kind,state,detail\n' + ledger.join('')));
    first = false;
  }
}

describe('marketfeed replay --workers (built CLI)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-replay-par-'));
  dirs.push(dataDir);
  const runStart = (t: number) => eventRow({ eventId: 1, ts: t, localTs: t, kind: 'run_start', state: '', detail: 'venue=binance symbols=BTC/USDT ETH/USDT SOL/USDT depth=3 ws=x' });
  writeCapture(dataDir, 'BTCUSDT', capture('BTCUSDT', T0, 5000, 1), [runStart(T0 - 1)]);
  writeCapture(dataDir, 'ETHUSDT', capture('ETHUSDT', T0, 5000, 2), [runStart(T0 - 1)]);
  // SOL: two runs, the second starting after midnight (a fresh core on day two)
  const sol = capture('SOLUSDT', T0 + 3, 2500, 3);
  const second = capture('SOLUSDT', T0 + 1_500_000, 2500, 4);
  writeCapture(dataDir, 'SOLUSDT', [...sol.filter((f) => f.localTs < T0 + 1_400_000), ...second], [runStart(T0 - 1), runStart(T0 + 1_450_000)]);

  const base = ['replay', '--data-dir', dataDir, '--venue', 'sim-binance', '--no-progress'];

  it.each([
    ['every symbol', []],
    ['two symbols, given out of order', ['--symbols', 'SOL/USDT,BTC/USDT']],
    ['a window across midnight', ['--from', String(T0 + 700_000), '--to', String(T0 + 1_700_000)]],
  ])('%s: the same bytes with 0, 1, 2 and 3 workers, and replay()\'s events', async (_what, extra) => {
    const runs = await Promise.all([0, 1, 2, 3].map((w) => runCli([...base, ...extra, '--workers', String(w)], {}, 60_000)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const lines = runs[0].stdout.split('\n');
    expect(lines.length).toBeGreaterThan(300);
    for (const r of runs.slice(1)) expect(r.stdout === runs[0].stdout, 'outputs differ').toBe(true);
    const lib = new EventLines();
    let text = '';
    const opts = { dataDir, venue: 'sim-binance', ...(extra[0] === '--symbols' ? { symbols: extra[1].split(',') } : {}), ...(extra[0] === '--from' ? { from: Number(extra[1]), to: Number(extra[3]) } : {}) };
    for await (const ev of replay(opts)) text += lib.line(ev) + '\n';
    expect(runs[0].stdout === text, 'CLI output differs from replay()').toBe(true);
    // the data has what the merge must get right: symbols interleaved, a gap, a second run
    const evs = lines.filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; symbol: string; state?: string });
    expect(new Set(evs.map((e) => e.symbol)).size).toBe(opts.symbols?.length ?? 3);
    expect(evs.filter((e, i) => i > 0 && e.symbol !== evs[i - 1].symbol).length).toBeGreaterThan(50);
    if (extra.length === 0) {
      expect(evs.some((e) => e.type === 'gap')).toBe(true);
      expect(evs.filter((e) => e.symbol === 'SOL/USDT' && e.state === 'STOPPED').length).toBe(2);
    }
  }, 120_000);

  it('a worker that fails ends the replay with its error, not a hang', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'mf-replay-par-bad-'));
    dirs.push(broken);
    writeCapture(broken, 'BTCUSDT', capture('BTCUSDT', T0, 5000, 1), [runStart(T0 - 1)]);
    writeCapture(broken, 'ETHUSDT', capture('ETHUSDT', T0, 5000, 2), [runStart(T0 - 1)]);
    const day = utcDay(T0);
    const raw = join(broken, 'sim-binance', 'ETHUSDT', day, `raw_ETHUSDT_${day}.ndjson.gz`);
    rmSync(raw);
    mkdirSync(raw); // unreadable as a file: the worker's read fails
    const r = await runCli([...base.slice(0, 2), broken, ...base.slice(3), '--workers', '2'], {}, 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/replay worker: .*EISDIR/);
  }, 60_000);
});

describe('marketfeed replay --out-dir of days recorded across midnight', () => {
  it('writes each row into the day of its receive time, whatever day the replay runs on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-replay-days-'));
    const outDir = mkdtempSync(join(tmpdir(), 'mf-replay-days-out-'));
    dirs.push(dataDir, outDir);
    const frames = capture('BTCUSDT', T0, 5000, 1);
    writeCapture(dataDir, 'BTCUSDT', frames, [eventRow({ eventId: 1, ts: T0 - 1, localTs: T0 - 1, kind: 'run_start', state: '', detail: 'venue=binance symbols=BTC/USDT depth=3 ws=x' })]);
    const days = [...new Set(frames.map((f) => utcDay(f.localTs)))];
    expect(days.length).toBe(2);
    const r = await runCli(['replay', '--data-dir', dataDir, '--venue', 'sim-binance', '--out-dir', outDir, '--no-progress'], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const symbolDir = join(outDir, 'sim-binance', 'BTCUSDT');
    expect(readdirSync(symbolDir).filter((d) => /^\d{8}$/.test(d)).sort()).toEqual(days);
    for (const day of days) {
      for (const kind of ['book', 'trades', 'events']) {
        const rows = gunzipSync(readFileSync(join(symbolDir, day, `${kind}_BTCUSDT_${day}.csv.gz`))).toString().trim().split('\n').slice(1);
        expect(rows.length, `${kind} ${day}`).toBeGreaterThan(0);
        // every row's local_timestamp (book: 2nd column, trades: 6th, events: 3rd) is of that day
        const col = { book: 1, trades: 5, events: 2 }[kind]!;
        for (const row of rows) expect(utcDay(Number(row.split(',')[col])), `${kind} ${day}: ${row.slice(0, 60)}`).toBe(day);
      }
    }
  }, 60_000);
});
