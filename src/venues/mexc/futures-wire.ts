// MEXC futures (contract) JSON as sent (PROTOCOLS-MORE.md §4.2), and the hand-written guards of the
// fields the decoder reads. Prices, sizes and versions are JSON *numbers* on this feed (`6859.5`,
// `3251`, `26012861281`): JSON.parse would turn 0.10 into 0.1 and lose the venue's text, so every
// frame first has its number tokens quoted (quoteNumbers) and then goes through JSON.parse; a
// number is then its exact lexeme as a string.
import { isDecimalText } from '../../book/levels.js';

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const UINT_RE = /^(0|[1-9]\d{0,14})$/;

/** A number lexeme (what quoteNumbers made of a JSON number) of a finite value (not `1e99999`). */
export const isNum = (x: unknown): x is string => typeof x === 'string' && NUMBER_RE.test(x) && isDecimalText(x);
/** A non-negative integer below 10^15 (versions, ms times): exact as a JS number. */
export const isUint = (x: unknown): x is string => typeof x === 'string' && UINT_RE.test(x);

/**
 * The text with every JSON number outside strings wrapped in quotes (`[6859.5,3251]` →
 * `["6859.5","3251"]`). Anything else is left alone, so JSON.parse still rejects what is not
 * JSON; a malformed number stays malformed (its quotes make a string the guards refuse).
 */
export function quoteNumbers(text: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip the string, escapes included
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const s = i;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
      }
      out += text.slice(last, s) + '"' + text.slice(s, i) + '"';
      last = i;
      i--;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** The frame as a JSON object with numbers as their lexemes; undefined when it is not one. */
export function parseFrame(text: string): Obj | undefined {
  let x: unknown;
  try {
    x = JSON.parse(quoteNumbers(text));
  } catch {
    return undefined;
  }
  return isObj(x) ? x : undefined;
}

/** `[price, contracts, orderCount?]`, numbers as lexemes. */
export type FuturesLevel = [string, string, ...string[]];

export function isLevels(x: unknown): x is FuturesLevel[] {
  if (!Array.isArray(x)) return false;
  for (const l of x) {
    if (!Array.isArray(l) || l.length < 2 || !isNum(l[0]) || !isNum(l[1])) return false;
  }
  return true;
}

/** `push.depth` data: levels and `version`; merged pushes also carry `begin`/`end` (end == version). */
export interface FuturesDepthData { asks: FuturesLevel[]; bids: FuturesLevel[]; version: string; begin?: string; end?: string }

export function isDepthData(x: unknown): x is FuturesDepthData {
  if (!isObj(x) || !isLevels(x.asks) || !isLevels(x.bids) || !isUint(x.version)) return false;
  if (x.begin === undefined && x.end === undefined) return true;
  return isUint(x.begin) && isUint(x.end) && Number(x.begin) <= Number(x.end);
}

/** One `push.deal` trade: p price, v contracts, T taker side (1 buy, 2 sell), t time ms. */
export interface FuturesDeal { p: string; v: string; T: string; t: string }

export function isDeal(x: unknown): x is FuturesDeal {
  return isObj(x) && isNum(x.p) && isNum(x.v) && isUint(x.t) && typeof x.T === 'string';
}

/** `push.ticker` data: the fields we read (all optional but the symbol). */
export interface FuturesTicker {
  symbol: string;
  lastPrice?: string; fairPrice?: string; indexPrice?: string; fundingRate?: string; holdVol?: string;
  high24Price?: string; lower24Price?: string; volume24?: string; amount24?: string; timestamp?: string;
}
const TICKER_NUMBERS = ['lastPrice', 'fairPrice', 'indexPrice', 'fundingRate', 'holdVol', 'high24Price', 'lower24Price', 'volume24', 'amount24'] as const;

export function isTicker(x: unknown): x is FuturesTicker {
  if (!isObj(x) || typeof x.symbol !== 'string') return false;
  for (const k of TICKER_NUMBERS) if (x[k] !== undefined && !isNum(x[k])) return false;
  return x.timestamp === undefined || isUint(x.timestamp);
}

/** The REST depth body `{"success":true,"code":0,"data":{asks,bids,version,timestamp}}` (the doc also prints the bare data). */
export interface FuturesDepthSnapshot { asks: FuturesLevel[]; bids: FuturesLevel[]; version: string; timestamp?: string }

export function isDepthSnapshot(x: unknown): x is FuturesDepthSnapshot {
  return isObj(x) && isLevels(x.asks) && isLevels(x.bids) && isUint(x.version) && (x.timestamp === undefined || isUint(x.timestamp));
}
