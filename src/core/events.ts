// The normalized events: one discriminated union on `type`, declared once as zod schemas with
// the TypeScript types inferred from them. zod is the source of truth for tests, REST bodies and
// config; the hot path builds these objects directly and never runs zod per frame.
//
// Conventions: `ts` is exchange time and `localTs` receive time, both epoch microseconds.
// Prices and amounts are the venue's exact decimal text ("0.35210000"), never re-formatted floats,
// so files and checksums stay byte-faithful to the wire.
import { z } from 'zod';

export const Decimal = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'a decimal number as text');
export const Level = z.tuple([Decimal, Decimal]);
export type Level = z.infer<typeof Level>;

const base = {
  venue: z.string().min(1),
  /** Unified symbol (`BTC/USDT`, `BTC/USDT:USDT`); `*` for connection-wide events. */
  symbol: z.string().min(1),
  /** The venue's own id (`BTCUSDT`); `*` for connection-wide events. */
  venueSymbol: z.string().min(1),
  ts: z.number().int().nonnegative(),
  localTs: z.number().int().nonnegative(),
};

export const Side = z.enum(['buy', 'sell', 'unknown']);
export type Side = z.infer<typeof Side>;

export const Trade = z.object({
  type: z.literal('trade'),
  ...base,
  id: z.string(),
  price: Decimal,
  amount: Decimal,
  /** Taker side. */
  side: Side,
});

export const BookChange = z.object({
  type: z.literal('book_change'),
  ...base,
  isSnapshot: z.boolean(),
  /** Absolute amounts; amount 0 deletes the level. */
  bids: z.array(Level),
  asks: z.array(Level),
  /** Venue integrity fields: Binance U / u / pu, OKX prevSeqId / seqId, or a checksum. */
  firstId: z.number().int().optional(),
  lastId: z.number().int().optional(),
  prevId: z.number().int().optional(),
  checksum: z.number().int().optional(),
});

export const BookSnapshot = z.object({
  type: z.literal('book_snapshot'),
  ...base,
  /** Requested depth N; bids/asks hold at most N levels, best first. */
  depth: z.number().int().positive(),
  /** Venue sequence id of the last update applied to the verified book. */
  updateId: z.number().int(),
  bids: z.array(Level),
  asks: z.array(Level),
});

export const Quote = z.object({
  type: z.literal('quote'),
  ...base,
  bidPrice: Decimal,
  bidAmount: Decimal,
  askPrice: Decimal,
  askAmount: Decimal,
  updateId: z.number().int().optional(),
});

export const Ticker = z.object({
  type: z.literal('ticker'),
  ...base,
  last: Decimal.optional(),
  open24h: Decimal.optional(),
  high24h: Decimal.optional(),
  low24h: Decimal.optional(),
  volume24h: Decimal.optional(),
  quoteVolume24h: Decimal.optional(),
});

export const Derivative = z.object({
  type: z.literal('derivative'),
  ...base,
  markPrice: Decimal.optional(),
  indexPrice: Decimal.optional(),
  fundingRate: Decimal.optional(),
  /** Epoch µs of the next funding. */
  nextFundingTs: z.number().int().optional(),
  openInterest: Decimal.optional(),
});

export const Liquidation = z.object({
  type: z.literal('liquidation'),
  ...base,
  id: z.string().optional(),
  price: Decimal,
  amount: Decimal,
  side: Side,
});

export const Candle = z.object({
  type: z.literal('candle'),
  ...base,
  timeframe: z.string(),
  /** Bar open time, epoch µs. */
  openTs: z.number().int(),
  open: Decimal,
  high: Decimal,
  low: Decimal,
  close: Decimal,
  volume: Decimal,
  trades: z.number().int().nonnegative(),
  /** True for gap-filled bars that no trade produced. */
  synthetic: z.boolean(),
  closed: z.boolean(),
});

export const ConnectionState = z.enum(['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'RECONNECTING', 'FAILED']);
export type ConnectionState = z.infer<typeof ConnectionState>;
export const BookState = z.enum(['CONNECTING', 'SNAPSHOT', 'SYNCING', 'SYNCED', 'RESYNCING', 'STOPPED']);
export type BookState = z.infer<typeof BookState>;

export const Status = z.object({
  type: z.literal('status'),
  ...base,
  scope: z.enum(['connection', 'book']),
  state: z.union([ConnectionState, BookState]),
  connId: z.number().int().optional(),
  reason: z.string().optional(),
});

export const Gap = z.object({
  type: z.literal('gap'),
  ...base,
  scope: z.enum(['book', 'connection', 'storage', 'trades']),
  /** What the integrity rule expected (e.g. `U<=1001`) and what arrived (e.g. `U=1005`). */
  expected: z.string(),
  got: z.string(),
  /** What was done about it (`backfill`: the missing trades were fetched over REST and filled in). */
  action: z.enum(['resync', 'reconnect', 'drop', 'none', 'backfill']),
  reason: z.string(),
});

export const MarketEvent = z.discriminatedUnion('type', [
  Trade, BookChange, BookSnapshot, Quote, Ticker, Derivative, Liquidation, Candle, Status, Gap,
]);

export type Trade = z.infer<typeof Trade>;
export type BookChange = z.infer<typeof BookChange>;
export type BookSnapshot = z.infer<typeof BookSnapshot>;
export type Quote = z.infer<typeof Quote>;
export type Ticker = z.infer<typeof Ticker>;
export type Derivative = z.infer<typeof Derivative>;
export type Liquidation = z.infer<typeof Liquidation>;
export type Candle = z.infer<typeof Candle>;
export type Status = z.infer<typeof Status>;
export type Gap = z.infer<typeof Gap>;
export type MarketEvent = z.infer<typeof MarketEvent>;
export type MarketEventType = MarketEvent['type'];
