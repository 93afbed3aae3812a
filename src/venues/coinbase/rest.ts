// Public REST (PROTOCOLS-MORE.md §2.4; SDK coinbase/rest/public.py): the product listing that
// symbols are checked against. The public book (`/market/product_book`) carries no sequence, so it
// can never seed a websocket book (§2.2): books come from the level2 snapshot event only.
import { MarketfeedError } from '../../core/errors.js';
import type { RestRequest } from '../types.js';
import { isObj } from './wire.js';
import { VENUE } from './symbols.js';

/** `GET /api/v3/brokerage/market/products`: spot products (public, no JWT). 10 requests/s per IP. */
export const productsRequest: RestRequest = { path: '/api/v3/brokerage/market/products', weight: 1 };

/**
 * The product ids that trade: `status` "online" and neither `trading_disabled` nor `is_disabled`.
 * `-USDC` aliases (BTC-USDC for BTC-USD) are listed products of their own and stay in.
 */
export function parseProducts(body: string): Set<string> {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', 'product listing is not JSON', { venue: VENUE, got: body.slice(0, 120), cause: e });
  }
  if (!isObj(x) || !Array.isArray(x.products)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'product listing is not {products:[…]}', { venue: VENUE, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const p of x.products as unknown[]) {
    if (isObj(p) && typeof p.product_id === 'string' && p.status === 'online' && p.trading_disabled !== true && p.is_disabled !== true) {
      out.add(p.product_id);
    }
  }
  return out;
}
