// Synthetic tick files (`timestamp,price,qty,side`) for the offline simulator: a seeded market
// model, so the same options give a byte-identical file on every machine.
//
// The model, kept small on purpose:
// - the mid price is a Gaussian random walk on the tick grid (per-trade volatility in basis
//   points), and a trade prints at the ask when the taker buys and at the bid when it sells, so
//   consecutive prices bounce across a one-tick spread like a real tape;
// - inter-arrival times are exponential (a Poisson process), and a taker sometimes sweeps several
//   makers at once: those prints share one timestamp and walk one tick further each;
// - taker sides are persistent (order flow clusters), and quantities are log-normal in notional
//   terms, rounded to the lot size: many small fills, a few large ones.
// Prices and quantities are integers of ticks and lots internally and are printed as fixed
// decimal text, never as formatted floats.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseSymbol } from '../core/symbols.js';
import { Rng } from '../core/random.js';

export const TICKS_HEADER = 'timestamp,price,qty,side\n';

export interface GenTicksOptions {
  /** Unified symbol; picks the default price, tick and lot sizes. */
  symbol: string;
  rows: number;
  /** 32-bit seed of the model. */
  seed: number;
  /** Timestamp of the first trade, epoch µs. */
  startTs: number;
  /** Mean time between taker orders (a sweep's prints share one timestamp). */
  meanIntervalMs: number;
  /** Decimal text; defaults by base asset (BTC 60000, ETH 3000, else 100). */
  startPrice?: string;
  /** Price grid as decimal text (`0.01`). */
  tickSize?: string;
  /** Quantity grid as decimal text (`0.00001`). */
  lotSize?: string;
  /** Standard deviation of the mid's move per taker order, in basis points. Default 0.2. */
  volBps?: number;
  /** Median notional of one fill, in quote units. Default 250. */
  medianNotional?: number;
}

/** A decimal as an integer count of 10^-decimals (`0.05` → {units: 5, decimals: 2}). */
export interface FixedDecimal {
  units: number;
  decimals: number;
}

const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;

/** Parses plain non-negative decimal text exactly; undefined when it is not one or too precise. */
export function parseFixed(text: string): FixedDecimal | undefined {
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  const units = Number(m[1] + frac);
  if (!Number.isSafeInteger(units) || frac.length > 15) return undefined;
  return { units, decimals: frac.length };
}

/** `units` as decimal text with exactly `decimals` fractional digits. */
export function formatFixed(units: number, decimals: number): string {
  if (decimals === 0) return String(units);
  const pow = POW10[decimals];
  const int = Math.floor(units / pow);
  const frac = String(units - int * pow);
  return int + '.' + ZEROS.slice(0, decimals - frac.length) + frac;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const ZEROS = '000000000000000';

/** Defaults a caller can override: sensible grids for the common bases, else a generic one. */
function defaultsFor(symbol: string): { startPrice: string; tickSize: string; lotSize: string } {
  const base = parseSymbol(symbol)?.base;
  if (base === 'BTC') return { startPrice: '60000', tickSize: '0.01', lotSize: '0.00001' };
  if (base === 'ETH') return { startPrice: '3000', tickSize: '0.01', lotSize: '0.0001' };
  return { startPrice: '100', tickSize: '0.01', lotSize: '0.001' };
}

/** Probability that the next taker order takes the same side as the last one. */
const SIDE_PERSISTENCE = 0.6;
/** Probability that a taker order sweeps one more price level (geometric sweep length). */
const SWEEP_CONTINUE = 0.15;
/** Log-normal spread of fill notionals: e^1.3 ≈ 3.7× per standard deviation. */
const QTY_SIGMA = 1.3;
/** Rows per yielded chunk: ~40 KB of text, few enough stream writes to be cheap. */
const ROWS_PER_CHUNK = 1024;

/** Options with defaults applied and every grid converted to integers; throws on bad input. */
export function resolveGenTicksOptions(opts: GenTicksOptions): Required<GenTicksOptions> {
  const d = defaultsFor(opts.symbol);
  const full: Required<GenTicksOptions> = {
    ...opts,
    startPrice: opts.startPrice ?? d.startPrice,
    tickSize: opts.tickSize ?? d.tickSize,
    lotSize: opts.lotSize ?? d.lotSize,
    volBps: opts.volBps ?? 0.2,
    medianNotional: opts.medianNotional ?? 250,
  };
  const checks: Array<[boolean, string]> = [
    [Number.isSafeInteger(full.rows) && full.rows >= 0, `rows must be a non-negative integer, got ${full.rows}`],
    [Number.isInteger(full.seed) && full.seed >= 0 && full.seed <= 0xffffffff, `seed must be an integer in [0, 2^32), got ${full.seed}`],
    [Number.isSafeInteger(full.startTs) && full.startTs >= 0, `startTs must be epoch µs as a non-negative integer, got ${full.startTs}`],
    [full.meanIntervalMs > 0 && Number.isFinite(full.meanIntervalMs), `meanIntervalMs must be > 0, got ${full.meanIntervalMs}`],
    [positiveFixed(full.startPrice), `startPrice must be decimal text > 0, got ${full.startPrice}`],
    [positiveFixed(full.tickSize), `tickSize must be decimal text > 0, got ${full.tickSize}`],
    [positiveFixed(full.lotSize), `lotSize must be decimal text > 0, got ${full.lotSize}`],
    [full.volBps >= 0 && Number.isFinite(full.volBps), `volBps must be >= 0, got ${full.volBps}`],
    [full.medianNotional > 0 && Number.isFinite(full.medianNotional), `medianNotional must be > 0, got ${full.medianNotional}`],
  ];
  for (const [ok, why] of checks) if (!ok) throw new RangeError(why);
  return full;
}

function positiveFixed(text: string): boolean {
  const f = parseFixed(text);
  return f !== undefined && f.units > 0;
}

/**
 * The file's text in chunks of whole lines, header first. Synchronous and deterministic: the
 * same options give the same bytes. Wrap in `Readable.from` to stream it (see writeTicksFile).
 */
export function* generateTicks(options: GenTicksOptions): Generator<string, void, undefined> {
  const o = resolveGenTicksOptions(options);
  const tick = parseFixed(o.tickSize)!;
  const lot = parseFixed(o.lotSize)!;
  const start = parseFixed(o.startPrice)!;
  // Every price is tickUnits-multiples printed with priceDecimals digits; same for quantities.
  const priceDecimals = Math.max(tick.decimals, start.decimals);
  const tickUnits = tick.units * POW10[priceDecimals - tick.decimals];
  const startUnits = start.units * POW10[priceDecimals - start.decimals];
  const tickValue = tick.units / POW10[tick.decimals];
  const lotValue = lot.units / POW10[lot.decimals];

  const rng = new Rng(o.seed);
  const meanIntervalUs = o.meanIntervalMs * 1000;
  // The bid sits on the grid; the ask one tick above it.
  let bid = Math.max(1, Math.round(startUnits / tickUnits));
  let ts = o.startTs;
  let buy = rng.next() < 0.5;
  let sweepLeft = 0;
  let sweepOffset = 0;

  yield TICKS_HEADER;
  let chunk = '';
  let inChunk = 0;
  for (let row = 0; row < o.rows; row++) {
    if (sweepLeft > 0) {
      sweepLeft--;
      sweepOffset++; // same taker, same timestamp, one level deeper into the book
    } else {
      if (row > 0) ts += Math.floor(-Math.log(1 - rng.next()) * meanIntervalUs);
      const priceValue = bid * tickValue;
      const stepTicks = Math.round((rng.gauss() * o.volBps * 1e-4 * priceValue) / tickValue);
      bid += stepTicks;
      if (bid < 1) bid = 1; // a random walk may not cross zero
      if (rng.next() >= SIDE_PERSISTENCE) buy = !buy;
      sweepOffset = 0;
      sweepLeft = 0;
      while (rng.next() < SWEEP_CONTINUE) sweepLeft++;
    }
    const priceTicks = buy ? bid + 1 + sweepOffset : Math.max(1, bid - sweepOffset);
    const notional = o.medianNotional * Math.exp(QTY_SIGMA * rng.gauss());
    const lots = Math.max(1, Math.round(notional / (priceTicks * tickValue) / lotValue));
    chunk += ts + ',' + formatFixed(priceTicks * tickUnits, priceDecimals) + ',' +
      formatFixed(lots * lot.units, lot.decimals) + (buy ? ',buy\n' : ',sell\n');
    if (++inChunk === ROWS_PER_CHUNK) {
      yield chunk;
      chunk = '';
      inChunk = 0;
    }
  }
  if (chunk !== '') yield chunk;
}

export interface TicksFile {
  path: string;
  rows: number;
  firstTs?: number;
  lastTs?: number;
}

/**
 * Writes generateTicks(options) to `path` (gzip-compressed when it ends in `.gz`): into a
 * temporary name beside it, fsynced, then renamed into place, so the path only ever holds a
 * whole file. Streams with backpressure; memory stays at a few chunks whatever the row count.
 */
export async function writeTicksFile(path: string, options: GenTicksOptions): Promise<TicksFile> {
  resolveGenTicksOptions(options); // fail before touching the disk
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  // Track the first and last timestamps from the chunks themselves, not from a second model run.
  async function* observed(): AsyncGenerator<string> {
    for (const chunk of generateTicks(options)) {
      if (firstTs === undefined && chunk !== TICKS_HEADER) firstTs = Number(chunk.slice(0, chunk.indexOf(',')));
      if (chunk !== TICKS_HEADER) {
        const lastLine = chunk.lastIndexOf('\n', chunk.length - 2) + 1;
        lastTs = Number(chunk.slice(lastLine, chunk.indexOf(',', lastLine)));
      }
      yield chunk;
    }
  }
  try {
    const out = createWriteStream(tmp);
    if (path.endsWith('.gz')) await pipeline(Readable.from(observed()), createGzip(), out);
    else await pipeline(Readable.from(observed()), out);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return { path, rows: options.rows, firstTs, lastTs };
}
