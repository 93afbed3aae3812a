// Coinbase Advanced Trade market-data websocket and public REST messages as sent
// (PROTOCOLS-MORE.md §2; shared/fixtures/protocol-vectors/coinbase-advanced-trade.json), with
// hand-written guards of just the fields the decoder reads. Names stay verbatim here and are
// renamed once, in decode.ts.
//
//   envelope  {"channel":"l2_data"|"market_trades"|"ticker"|"heartbeats"|"subscriptions",
//              "client_id"?:"", "timestamp":"<RFC 3339, ns>", "sequence_num":<n>, "events":[…]}
//   error     {"type":"error","message":"…"}
// Every price and size is a decimal string; sequence_num is a JSON number counting every message
// of the connection, whatever its channel (the 2026 recordings carry no client_id).

type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Connection counters above this are refused: book ids pack (connection, sequence_num) into one
 * safe integer as connId × SEQ_SPAN + sequence_num (sequence.ts). 10^10 messages is ~115 days of
 * 1,000 messages a second on one socket, which Coinbase never keeps open.
 */
export const SEQ_SPAN = 10_000_000_000;

export interface CoinbaseEnvelope {
  channel: string;
  timestamp: string;
  sequence_num: number;
  events: unknown[];
}

/** One `l2_data` event: the whole book (`snapshot`) or changed levels (`update`). */
export interface CoinbaseL2Event {
  type: string;
  product_id: string;
  updates: unknown[];
}

/** One level of an l2 event. `new_quantity` is the level's new size; "0" removes it. */
export interface CoinbaseL2Update {
  side: string;
  event_time: string;
  price_level: string;
  new_quantity: string;
}

/** One `market_trades` trade. `side` is BUY/SELL: the maker's side (decode.ts). */
export interface CoinbaseTrade {
  product_id: string;
  trade_id: string;
  price: string;
  size: string;
  time: string;
  side: string;
}

/** One `ticker` entry: last price, 24 h / 52 w stats and the best bid/ask with sizes. */
export interface CoinbaseTicker {
  product_id: string;
  price?: string;
  volume_24_h?: string;
  low_24_h?: string;
  high_24_h?: string;
  best_bid?: string;
  best_ask?: string;
  best_bid_quantity?: string;
  best_ask_quantity?: string;
}

const isStrOrAbsent = (x: unknown): boolean => x === undefined || typeof x === 'string';

export function isEnvelope(x: Obj): x is Obj & CoinbaseEnvelope {
  const n = x.sequence_num;
  return typeof x.channel === 'string' && typeof x.timestamp === 'string' && Array.isArray(x.events) &&
    typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < SEQ_SPAN;
}

export function isL2Event(x: unknown): x is CoinbaseL2Event {
  return isObj(x) && typeof x.type === 'string' && typeof x.product_id === 'string' && Array.isArray(x.updates);
}

export function isL2Update(x: unknown): x is CoinbaseL2Update {
  return isObj(x) && typeof x.side === 'string' && typeof x.price_level === 'string' && typeof x.new_quantity === 'string' &&
    isStrOrAbsent(x.event_time);
}

export function isTradesEvent(x: unknown): x is { type: string; trades: unknown[] } {
  return isObj(x) && typeof x.type === 'string' && Array.isArray(x.trades);
}

export function isTrade(x: unknown): x is CoinbaseTrade {
  return isObj(x) && typeof x.product_id === 'string' && typeof x.trade_id === 'string' && typeof x.price === 'string' &&
    typeof x.size === 'string' && typeof x.time === 'string' && typeof x.side === 'string';
}

export function isTickerEvent(x: unknown): x is { type: string; tickers: unknown[] } {
  return isObj(x) && typeof x.type === 'string' && Array.isArray(x.tickers);
}

export function isTicker(x: unknown): x is CoinbaseTicker {
  return isObj(x) && typeof x.product_id === 'string' && isStrOrAbsent(x.price) && isStrOrAbsent(x.volume_24_h) &&
    isStrOrAbsent(x.low_24_h) && isStrOrAbsent(x.high_24_h) && isStrOrAbsent(x.best_bid) && isStrOrAbsent(x.best_ask) &&
    isStrOrAbsent(x.best_bid_quantity) && isStrOrAbsent(x.best_ask_quantity);
}

/**
 * A decimal as Coinbase writes prices and sizes: digits with at most one inner dot (`0.5`,
 * `21921.3`, `0`); no sign, no exponent. A char loop: this runs for every level of a 2,000-level
 * snapshot, where a regular expression cost as much again as JSON.parse of the frame.
 */
export function isPlainDecimal(s: string, start = 0, end = s.length): boolean {
  if (end <= start) return false;
  let dot = -1;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (dot >= 0 || i === start || i === end - 1) return false;
      dot = i;
    } else if (c < 48 || c > 57) return false;
  }
  return true;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** The last whole-second prefix read and its epoch ms: consecutive frames share it (one a second). */
let lastPrefix = '';
let lastPrefixMs = -1;

/**
 * `2026-08-12T19:27:48.098821666Z` → epoch µs (the nanoseconds truncated); -1 when malformed.
 * Coinbase always writes UTC with a `Z`. The date part is parsed once per second of frames.
 */
export function rfc3339ToUs(text: string): number {
  const n = text.length;
  if (n >= 20 && lastPrefixMs >= 0 && text.startsWith(lastPrefix) && text.charCodeAt(n - 1) === 90) {
    if (n === 20) return lastPrefixMs * 1000;
    if (text.charCodeAt(19) === 46 && n > 21 && n <= 30) {
      let frac = 0;
      for (let i = 20; i < n - 1; i++) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) return -1;
        if (i < 26) frac = frac * 10 + (c - 48);
      }
      for (let i = n - 1; i < 26; i++) frac *= 10;
      return lastPrefixMs * 1000 + frac;
    }
  }
  const m = RFC3339_RE.exec(text);
  if (m === null) return -1;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (ms !== ms || ms < 0) return -1;
  lastPrefix = text.slice(0, 19);
  lastPrefixMs = ms;
  const frac = m[7] === undefined ? 0 : Number((m[7] + '00000').slice(0, 6));
  return ms * 1000 + frac;
}
