// MEXC REST as our venue code and ccxt use it, for both modes. ccxt's loadMarkets asks the spot
// listing and the contract listing whatever the market, so both are served by each mode (listing
// only its own symbols):
//   spot      /api/v3/ping, /time, /exchangeInfo, /depth (lastUpdateId; limit ≤ 5000) + history.ts
//   contract  /api/v1/contract/ping, /detail, /depth/{symbol} (version), /ticker + history.ts
// Spot errors are HTTP 4xx with {code, msg}; contract errors HTTP 200 with {success:false, code, message}.
import type { BookState } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';
import { contractError, mexcContractHistory, mexcSpotHistory, spotError } from './history.js';
import { contractLevels, tickerData, type ContractTicker } from './wire.js';

export const SPOT_DEPTH_MAX = 5000;

export interface MexcRestContext {
  symbols: ReadonlyMap<string, SymbolState>;
  /** True once after the stalesnapshot fault: the next depth body is an old book. */
  takeStale(): boolean;
  ticker(s: SymbolState, nowMs: number): ContractTicker;
}

const json = (value: unknown): RestReply => ({ status: 200, body: JSON.stringify(value) });

export function mexcRest(ctx: MexcRestContext, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply {
  if (path.startsWith('/api/v1/contract/')) return contract(ctx, path, q, nowMs);
  switch (path) {
    case '/api/v3/ping':
      return json({});
    case '/api/v3/time':
      return json({ serverTime: nowMs });
    case '/api/v3/exchangeInfo':
      return exchangeInfo(ctx, q, nowMs);
    case '/api/v3/depth':
      return spotDepth(ctx, q, nowMs);
  }
  return mexcSpotHistory(ctx.symbols, path, q, nowMs) ?? spotError(404, 404, `Unknown path ${path}`);
}

function exchangeInfo(ctx: MexcRestContext, q: URLSearchParams, nowMs: number): RestReply {
  const one = q.get('symbol');
  const symbols: unknown[] = [];
  for (const s of ctx.symbols.values()) {
    const { inst, fmt } = s;
    if (inst.swap || (one !== null && inst.venueSymbol !== one)) continue;
    symbols.push({
      symbol: inst.venueSymbol, status: '1', baseAsset: inst.base, baseAssetPrecision: inst.qtyDecimals, quoteAsset: inst.quote,
      quotePrecision: inst.priceDecimals, quoteAssetPrecision: inst.priceDecimals, baseCommissionPrecision: inst.qtyDecimals,
      quoteCommissionPrecision: inst.priceDecimals, orderTypes: ['LIMIT', 'MARKET', 'LIMIT_MAKER'], isSpotTradingAllowed: true,
      isMarginTradingAllowed: false, quoteAmountPrecision: '5', baseSizePrecision: fmt.stepSize(), permissions: ['SPOT'],
      filters: [], maxQuoteAmount: '2000000', makerCommission: '0', takerCommission: '0.0005', tradeSideType: '1',
    });
  }
  if (one !== null && symbols.length === 0) return spotError(400, -1121, 'Invalid symbol.');
  return json({ timezone: 'CST', serverTime: nowMs, rateLimits: [], exchangeFilters: [], symbols });
}

function spotDepth(ctx: MexcRestContext, q: URLSearchParams, nowMs: number): RestReply {
  const s = ctx.symbols.get(q.get('symbol') ?? '');
  if (s === undefined || s.inst.swap) return spotError(400, -1121, 'Invalid symbol.');
  const asked = q.get('limit');
  if (asked !== null && !/^[0-9]{1,6}$/.test(asked)) return spotError(400, -1100, "Illegal characters found in parameter 'limit'.");
  const limit = Math.max(1, Math.min(asked === null ? 100 : Number(asked), SPOT_DEPTH_MAX));
  const book: BookState = ctx.takeStale() ? s.oldBooks[0] : s.snapshot(limit, nowMs);
  const side = (b: BookState['bids']): [string, string][] => {
    const n = Math.min(limit, b.ticks.length);
    const out: [string, string][] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [s.fmt.price(b.ticks[i]), s.fmt.qty(b.lots[i])];
    return out;
  };
  return { ...json({ lastUpdateId: book.lastUpdateId, bids: side(book.bids), asks: side(book.asks), timestamp: nowMs }), isDepth: true };
}

function contract(ctx: MexcRestContext, path: string, q: URLSearchParams, nowMs: number): RestReply {
  if (path === '/api/v1/contract/ping') return { status: 200, body: `{"success":true,"code":0,"data":${nowMs}}` };
  if (path === '/api/v1/contract/detail') return json({ success: true, code: 0, data: [...ctx.symbols.values()].filter((s) => s.inst.swap).map(detail) });
  if (path === '/api/v1/contract/ticker') {
    const one = q.get('symbol');
    const list = [...ctx.symbols.values()].filter((s) => s.inst.swap && (one === null || s.inst.venueSymbol === one));
    if (one !== null && list.length === 0) return contractError(1001, 'Contract does not exist!');
    const rows = list.map((s) => tickerData(ctx.ticker(s, nowMs)));
    return { status: 200, body: `{"success":true,"code":0,"data":${one === null ? `[${rows.join(',')}]` : rows[0]}}` };
  }
  const depth = /^\/api\/v1\/contract\/depth\/([^/]+)$/.exec(path);
  if (depth !== null) {
    const s = ctx.symbols.get(decodeURIComponent(depth[1]));
    if (s === undefined || !s.inst.swap) return contractError(1001, 'Contract does not exist!');
    const book: BookState = ctx.takeStale() ? s.oldBooks[0] : s.snapshot(s.maxDepth, nowMs);
    const data = `{"asks":${contractLevels(s.fmt, book.asks.ticks, book.asks.lots)},"bids":${contractLevels(s.fmt, book.bids.ticks, book.bids.lots)},`
      + `"version":${book.lastUpdateId},"timestamp":${nowMs}}`;
    return { status: 200, body: `{"success":true,"code":0,"data":${data}}`, isDepth: true };
  }
  return mexcContractHistory(ctx.symbols, path, q, nowMs) ?? { status: 404, body: '{"success":false,"code":404,"message":"Not Found"}' };
}

/** One contract of /contract/detail: priceUnit the tick, volUnit 1 contract of `contractSize` base. */
function detail(s: SymbolState): Record<string, unknown> {
  const { inst, fmt } = s;
  return {
    symbol: inst.venueSymbol, displayName: `${inst.venueSymbol}永续`, displayNameEn: `${inst.venueSymbol} PERPETUAL`, positionOpenType: 3,
    baseCoin: inst.base, quoteCoin: inst.quote, settleCoin: inst.settle, contractSize: 0.0001, minLeverage: 1, maxLeverage: 200,
    priceScale: inst.priceDecimals, volScale: inst.qtyDecimals, amountScale: 4, priceUnit: Number(fmt.tickSize()), volUnit: Number(fmt.stepSize()),
    minVol: Number(fmt.stepSize()), maxVol: inst.maxLots * 100, bidLimitPriceRate: 0.1, askLimitPriceRate: 0.1, takerFeeRate: 0.0002,
    makerFeeRate: 0, maintenanceMarginRate: 0.004, initialMarginRate: 0.005, state: 0, isNew: false, isHot: true, isHidden: false,
    apiAllowed: false,
  };
}
