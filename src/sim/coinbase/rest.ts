// Coinbase public REST as our venue code and ccxt's `coinbase` class call it without credentials
// (PROTOCOLS-MORE.md §2.4; ccxt coinbase.js fetchMarketsV3, fetchCurrencies, fetchTime):
//   GET /api/v3/brokerage/market/products[?product_type=SPOT|FUTURE]   {"products":[…],"num_products":N}
//   GET /api/v3/brokerage/market/products/{id}                          one product
//   GET /api/v3/brokerage/market/product_book?product_id=&limit=        {"pricebook":{…},"last",…} (no sequence)
//   GET /api/v3/brokerage/time, /v2/time, /v2/currencies, /v2/currencies/crypto, /v2/exchange-rates
// Errors are `{"error":"NOT_FOUND","error_details":…,"message":…}` with the HTTP status. The
// candle and trade history routes are in history.ts.
import { formatUnits, trimZeros } from '../instruments.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';

export const fail = (status: number, error: string, message: string): RestReply =>
  ({ status, body: JSON.stringify({ error, error_details: message, message }) });
const ok = (body: unknown): RestReply => ({ status: 200, body: JSON.stringify(body) });

const FIAT: Readonly<Record<string, string>> = { USD: 'US Dollar', EUR: 'Euro', GBP: 'British Pound' };

function product(s: SymbolState): Record<string, unknown> {
  const { inst, fmt, market } = s;
  const last = fmt.price(market.lastTradeTicks);
  return {
    product_id: inst.venueSymbol, price: last, price_percentage_change_24h: '0', volume_24h: '0', volume_percentage_change_24h: '0',
    base_increment: fmt.stepSize(), quote_increment: fmt.tickSize(), quote_min_size: '1', quote_max_size: '150000000',
    base_min_size: fmt.stepSize(), base_max_size: '3400', base_name: inst.base, quote_name: FIAT[inst.quote] ?? inst.quote,
    watched: false, is_disabled: false, new: false, status: 'online', cancel_only: false, limit_only: false, post_only: false,
    trading_disabled: false, auction_mode: false, product_type: 'SPOT', quote_currency_id: inst.quote, base_currency_id: inst.base,
    fcm_trading_session_details: null, mid_market_price: '', alias: '', alias_to: [], base_display_symbol: inst.base,
    quote_display_symbol: inst.quote, view_only: false, price_increment: fmt.tickSize(), display_name: inst.venueSymbol, product_venue: 'CBE',
  };
}

const PRODUCT_RE = /^\/api\/v3\/brokerage\/market\/products\/([^/]+)$/;

export function coinbaseRest(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply {
  switch (path) {
    case '/api/v3/brokerage/market/products': {
      const type = q.get('product_type') ?? 'SPOT';
      if (type !== 'SPOT' && type !== 'FUTURE') return fail(400, 'INVALID_ARGUMENT', `invalid product_type ${type}`);
      const ids = q.getAll('product_ids');
      const list = type === 'FUTURE' ? [] : [...symbols.values()].filter((s) => ids.length === 0 || ids.includes(s.inst.venueSymbol));
      return ok({ products: list.map(product), num_products: list.length });
    }
    case '/api/v3/brokerage/market/product_book':
      return productBook(symbols, q, nowMs);
    case '/api/v3/brokerage/time':
      return ok({ iso: new Date(nowMs).toISOString(), epochSeconds: String(Math.floor(nowMs / 1000)), epochMillis: String(nowMs) });
    case '/v2/time':
      return ok({ data: { iso: new Date(nowMs).toISOString().slice(0, 19) + 'Z', epoch: Math.floor(nowMs / 1000) } });
    case '/v2/currencies':
      return ok({ data: Object.entries(FIAT).map(([id, name]) => ({ id, name, min_size: '0.01' })) });
    case '/v2/currencies/crypto':
      return ok({ data: cryptoAssets(symbols) });
    case '/v2/exchange-rates':
      return ok({ data: { currency: 'USD', rates: rates(symbols) } });
  }
  const m = PRODUCT_RE.exec(path);
  if (m !== null) {
    const s = symbols.get(decodeURIComponent(m[1]));
    return s === undefined ? fail(404, 'NOT_FOUND', 'ProductID is invalid') : ok(product(s));
  }
  return fail(404, 'NOT_FOUND', `Unknown path ${path}`);
}

/** The crypto assets of the products (bases, and quotes that are not fiat). */
function cryptoAssets(symbols: ReadonlyMap<string, SymbolState>): Record<string, string>[] {
  const codes = new Set<string>();
  for (const s of symbols.values()) {
    codes.add(s.inst.base);
    if (FIAT[s.inst.quote] === undefined) codes.add(s.inst.quote);
  }
  return [...codes].map((code, i) => ({
    asset_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, code, name: code, color: '#0052FF', sort_index: String(i),
    exponent: '8', type: 'crypto', address_regex: '^.+$',
  }));
}

/** Units of each base per USD, from the USD products' last prices. */
function rates(symbols: ReadonlyMap<string, SymbolState>): Record<string, string> {
  const out: Record<string, string> = { USD: '1' };
  for (const s of symbols.values()) {
    if (s.inst.quote !== 'USD') continue;
    const price = Number(s.fmt.price(s.market.lastTradeTicks));
    if (price > 0) out[s.inst.base] = trimZeros((1 / price).toFixed(12));
  }
  return out;
}

/**
 * The aggregated public book: the top `limit` (default and most 500) levels of the model, as
 * {price, size} objects, with no sequence — which is why the recorder never seeds a book from it.
 */
function productBook(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number): RestReply {
  const id = q.get('product_id');
  if (!id) return fail(400, 'INVALID_ARGUMENT', 'product_id is required');
  const s = symbols.get(id);
  if (s === undefined) return fail(404, 'NOT_FOUND', 'ProductID is invalid');
  const limitText = q.get('limit');
  const limit = limitText === null ? 500 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) return fail(400, 'INVALID_ARGUMENT', 'invalid limit');
  const { fmt, market } = s;
  const book = market.state(Math.min(limit, 500));
  const side = (b: { ticks: number[]; lots: number[] }): { price: string; size: string }[] =>
    b.ticks.map((t, i) => ({ price: fmt.price(t), size: fmt.qty(b.lots[i]) }));
  const bid = market.bids.bestTicks();
  const ask = market.asks.bestTicks();
  const tick = s.inst.tickUnits;
  const mid = trimZeros(formatUnits((bid + ask) * tick * 5, s.inst.priceDecimals + 1));
  return ok({
    pricebook: { product_id: id, bids: side(book.bids), asks: side(book.asks), time: new Date(nowMs).toISOString() },
    last: fmt.price(market.lastTradeTicks), mid_market: mid,
    spread_bps: trimZeros((((ask - bid) / ((ask + bid) / 2)) * 10_000).toFixed(12)), spread_absolute: fmt.price(ask - bid),
  });
}
