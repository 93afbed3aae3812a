// REST requests and body decoders (docs rest-public-conf, rest-public-book):
//   GET /v2/conf/pub:list:pair:exchange → [["BTCUSD","ETHUSD","TESTBTC:TESTUSD",…]] (no `t`);
//   GET /v2/book/tBTCUSD/P0?len=100      → [[PRICE,COUNT,AMOUNT],…], the P-book entries of the WS.
// The REST book is the session's fallback when resubscribing brings no snapshot; it has no id, so
// the next `cs` frame is what proves the book built on it.
import { MarketfeedError } from '../../core/errors.js';
import type { BookSnapshotInput } from '../../book/types.js';
import { LevelBatch } from '../../book/levels.js';
import type { RestRequest } from '../types.js';
import { snapshotSides } from './book-rows.js';
import { FrameScan } from './scan.js';

const VENUE = 'bitfinex';

export const exchangeInfoRequest: RestRequest = { path: '/v2/conf/pub:list:pair:exchange', weight: 1 };

/** The trading pairs listed, as venue symbols (`tBTCUSD`). */
export function parseExchangeInfo(body: string): Set<string> {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', 'pair list body is not JSON', { venue: VENUE, got: body.slice(0, 120), cause: e });
  }
  if (!Array.isArray(x) || !Array.isArray(x[0])) {
    throw new MarketfeedError('MF_ERR_HTTP', 'pair list body is not [[pair, …]]', {
      venue: VENUE, expected: '[["BTCUSD","ETHUSD",…]]', got: body.slice(0, 120),
    });
  }
  const out = new Set<string>();
  for (const p of x[0] as unknown[]) if (typeof p === 'string' && p !== '') out.add(`t${p}`);
  return out;
}

/** REST book lengths (P precisions): 1, 25 or 100. */
export function depthRequest(venueSymbol: string, limit: number): RestRequest {
  const len = limit <= 1 ? 1 : limit <= 25 ? 25 : 100;
  return { path: `/v2/book/${venueSymbol}/P0?len=${len}`, weight: 1 };
}

/** A REST book body; texts kept as sent (ask amounts stored absolute, as from the websocket). */
export function parseDepth(body: string): BookSnapshotInput {
  const scan = new FrameScan();
  if (!scan.scanRows(body)) {
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'book body is not [[PRICE,COUNT,AMOUNT],…]', {
      venue: VENUE, expected: '[[PRICE,COUNT,AMOUNT],…]', got: body.slice(0, 120),
    });
  }
  const sides = snapshotSides(scan, new LevelBatch(Math.max(1, scan.rows)));
  if (typeof sides === 'string') {
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', sides, { venue: VENUE, expected: '[[PRICE,COUNT,AMOUNT],…]', got: body.slice(0, 120) });
  }
  return { lastUpdateId: -1, ts: 0, bids: sides.bids, asks: sides.asks };
}
