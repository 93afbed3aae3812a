// Decimal text for ccxt's numbers. ccxt parses prices and amounts into JS numbers; our events
// carry decimal text. Where the raw message ccxt parsed (`info`) holds the value as a string
// under a usual key and that string reads back as the same number, the venue's exact text is
// kept ("0.35210000"); otherwise the number is written as its shortest round-trip text without
// an exponent ("0.3521"). Book levels have no raw text in ccxt (it keeps floats only).

/** A finite number as plain decimal text, the shortest that reads back as the same double. */
export function numberText(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  let text: string;
  if (point <= 0) text = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + text;
}

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Text of `n`: the raw string under the first of `keys` in `info` that is a plain decimal equal to
 * `n`, else numberText(n). Undefined when `n` is not a finite number.
 */
export function decimalText(n: unknown, info: unknown, keys: readonly string[]): string | undefined {
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  if (info !== null && typeof info === 'object') {
    const o = info as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const raw = o[keys[i]];
      if (typeof raw === 'string' && PLAIN_DECIMAL.test(raw) && Number(raw) === n) return raw;
    }
  }
  return numberText(n);
}

/** Raw keys venues use for each field (Binance single letters first, then the common long names). */
export const KEYS = {
  price: ['p', 'price', 'px', 'P', 'rate'],
  amount: ['q', 'qty', 'amount', 'size', 'sz', 'v', 'volume', 'quantity', 'baseQty'],
  last: ['c', 'last', 'lastPrice', 'last_price', 'lastPr', 'close'],
  open: ['o', 'open', 'openPrice', 'open_24h', 'open24h', 'open24'],
  high: ['h', 'high', 'highPrice', 'high_24h', 'high24h'],
  low: ['l', 'low', 'lowPrice', 'low_24h', 'low24h'],
  baseVolume: ['v', 'volume', 'baseVolume', 'vol24h', 'volume_24h', 'base_volume'],
  quoteVolume: ['q', 'quoteVolume', 'volCcy24h', 'quote_volume', 'turnover24h'],
  bid: ['b', 'bid', 'bidPrice', 'bidPx', 'bid_price', 'best_bid', 'bidPr'],
  bidSize: ['B', 'bidQty', 'bidSz', 'bid_size', 'bidSize', 'best_bid_size'],
  ask: ['a', 'ask', 'askPrice', 'askPx', 'ask_price', 'best_ask', 'askPr'],
  askSize: ['A', 'askQty', 'askSz', 'ask_size', 'askSize', 'best_ask_size'],
} as const;
