// The rows of Tardis.dev's downloadable CSV files, column for column as its documentation gives
// them: comma-separated, LF, `.` decimals (the venue's own decimal text, never re-formatted),
// times as integer µs since the epoch UTC, and an empty cell where a value does not exist.
// `timestamp` is the exchange's time, or the receive time when the venue sends none (as Tardis
// does). Headers are built once; rows are plain string concatenation (one row per call, every
// row ending in '\n'), like storage/csv.ts.
import type { Level, Liquidation, Trade } from '../core/events.js';
import { csvField } from '../storage/csv.js';

export const TARDIS_DATA_TYPES = [
  'trades', 'incremental_book_L2', 'book_snapshot_25', 'book_snapshot_5', 'quotes', 'derivative_ticker', 'liquidations',
] as const;
export type TardisDataType = (typeof TARDIS_DATA_TYPES)[number];

export function isTardisDataType(s: string): s is TardisDataType {
  return (TARDIS_DATA_TYPES as readonly string[]).includes(s);
}

/** Levels per side of the book_snapshot_N types. */
export const SNAPSHOT_LEVELS = { book_snapshot_25: 25, book_snapshot_5: 5 } as const;

const PREFIX = 'exchange,symbol,timestamp,local_timestamp';

function snapshotHeader(n: number): string {
  let h = PREFIX;
  for (let i = 0; i < n; i++) h += `,asks[${i}].price,asks[${i}].amount,bids[${i}].price,bids[${i}].amount`;
  return h + '\n';
}

export const TARDIS_HEADERS: Readonly<Record<TardisDataType, string>> = {
  trades: `${PREFIX},id,side,price,amount\n`,
  incremental_book_L2: `${PREFIX},is_snapshot,side,price,amount\n`,
  book_snapshot_25: snapshotHeader(25),
  book_snapshot_5: snapshotHeader(5),
  quotes: `${PREFIX},ask_amount,ask_price,bid_price,bid_amount\n`,
  derivative_ticker: `${PREFIX},funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price\n`,
  liquidations: `${PREFIX},id,side,price,amount\n`,
};

/** `exchange,symbol,` of every row of one market: built once per symbol. */
export function rowPrefix(exchange: string, symbol: string): string {
  return csvField(exchange) + ',' + csvField(symbol) + ',';
}

/** `timestamp,local_timestamp`: the exchange time, or the receive time when the venue gave none. */
function times(ts: number, localTs: number): string {
  return (ts > 0 ? ts : localTs) + ',' + localTs;
}

/** `…,id,side,price,amount` — side is the taker's (buy / sell / unknown). */
export function tradeRow(p: string, t: Trade): string {
  return p + times(t.ts, t.localTs) + ',' + csvField(t.id) + ',' + t.side + ',' + t.price + ',' + t.amount + '\n';
}

/** `…,is_snapshot,side,price,amount` — side bid / ask; amount 0 deletes the level. */
export function levelRow(p: string, ts: number, localTs: number, isSnapshot: boolean, bid: boolean, price: string, amount: string): string {
  return p + times(ts, localTs) + (isSnapshot ? ',true,' : ',false,') + (bid ? 'bid,' : 'ask,') + price + ',' + amount + '\n';
}

/** `…,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,…` for `n` levels; missing levels empty. */
export function snapshotRow(p: string, ts: number, localTs: number, bids: readonly Level[], asks: readonly Level[], n: number): string {
  let row = p + times(ts, localTs);
  for (let i = 0; i < n; i++) {
    const a = i < asks.length ? asks[i] : undefined;
    const b = i < bids.length ? bids[i] : undefined;
    row += a === undefined ? ',,' : ',' + a[0] + ',' + a[1];
    row += b === undefined ? ',,' : ',' + b[0] + ',' + b[1];
  }
  return row + '\n';
}

/** `…,ask_amount,ask_price,bid_price,bid_amount`; an empty side leaves its cells empty. */
export function quoteRow(p: string, ts: number, localTs: number, bid: Level | undefined, ask: Level | undefined): string {
  return p + times(ts, localTs) + ',' + (ask ? ask[1] + ',' + ask[0] : ',') + ',' + (bid ? bid[0] + ',' + bid[1] : ',') + '\n';
}

/** The latest known value of each derivative_ticker column ('' while unknown). */
export interface TickerState {
  fundingTs: string;
  fundingRate: string;
  predictedFundingRate: string;
  openInterest: string;
  lastPrice: string;
  indexPrice: string;
  markPrice: string;
}

export function emptyTickerState(): TickerState {
  return { fundingTs: '', fundingRate: '', predictedFundingRate: '', openInterest: '', lastPrice: '', indexPrice: '', markPrice: '' };
}

/** `…,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price` */
export function tickerRow(p: string, ts: number, localTs: number, s: TickerState): string {
  return p + times(ts, localTs) + ',' + s.fundingTs + ',' + s.fundingRate + ',' + s.predictedFundingRate + ',' + s.openInterest + ',' +
    s.lastPrice + ',' + s.indexPrice + ',' + s.markPrice + '\n';
}

/** `…,id,side,price,amount` — side buy: a short position liquidated, sell: a long one. */
export function liquidationRow(p: string, l: Liquidation): string {
  return p + times(l.ts, l.localTs) + ',' + csvField(l.id ?? '') + ',' + l.side + ',' + l.price + ',' + l.amount + '\n';
}
