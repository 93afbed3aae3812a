// Timeframes as fixed lengths: '1s', '15m', '4h', '1d' → milliseconds. Bars open on multiples of
// their length since the epoch (UTC), as Binance's and ccxt's do for 1s … 1d. Calendar
// timeframes (weeks, months) are not fixed lengths and are rejected here.
import { MarketfeedError } from '../core/errors.js';

const TIMEFRAME_RE = /^([1-9]\d{0,3})([smhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DAY_MS = 86_400_000;

/** Length of a timeframe in ms; throws MF_ERR_USAGE for anything but `<n>s|m|h|d` up to a day. */
export function timeframeMs(timeframe: string): number {
  const m = TIMEFRAME_RE.exec(timeframe);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  if (!(ms > 0) || ms > DAY_MS || DAY_MS % ms !== 0) {
    throw new MarketfeedError('MF_ERR_USAGE', `timeframe ${JSON.stringify(timeframe)} is not supported`, {
      expected: 'a fixed length from 1s to 1d that divides a day, e.g. 1s, 1m, 5m, 15m, 1h, 4h, 1d',
      got: timeframe,
    });
  }
  return ms;
}

/** Open time of the bar holding `t` (same unit as `t` and `len`). */
export function barOpen(t: number, len: number): number {
  return Math.floor(t / len) * len;
}
