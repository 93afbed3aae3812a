// KuCoin REST as our venue code and ccxt's kucoin / kucoinfutures classes call it without
// credentials (PROTOCOLS-MORE.md §5.1–5.3): the symbol / contract listings, server time,
// currencies, the book snapshots (spot level2_20/100; the keyed full book refuses; futures
// level2/snapshot), and the public bullet token. Every body is `{"code":"200000","data":…}`.
import { trimZeros } from '../instruments.js';
import type { BookState } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';

export const ok = (data: string): RestReply => ({ status: 200, body: `{"code":"200000","data":${data}}` });
export const fail = (status: number, code: string, msg: string): RestReply => ({ status, body: JSON.stringify({ code, msg }) });

/** The venue's answer to a request without a key where one is needed (spot full book). */
export const NEEDS_KEY = fail(401, '400001', 'Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE');
export const TOO_MANY = fail(429, '429000', 'Too Many Requests');

/** Futures ids name bitcoin XBT. */
const futuresAsset = (a: string): string => (a === 'BTC' ? 'XBT' : a);

function spotSymbol(s: SymbolState): string {
  const { inst, fmt } = s;
  return JSON.stringify({
    symbol: inst.venueSymbol, name: inst.venueSymbol, baseCurrency: inst.base, quoteCurrency: inst.quote, feeCurrency: inst.quote,
    market: 'USDS', baseMinSize: fmt.stepSize(), quoteMinSize: '0.1', baseMaxSize: '10000000000', quoteMaxSize: '99999999',
    baseIncrement: fmt.stepSize(), quoteIncrement: '0.000001', priceIncrement: fmt.tickSize(), priceLimitRate: '0.1', minFunds: '0.1',
    isMarginEnabled: false, enableTrading: true, feeCategory: 1, makerFeeCoefficient: '1.00', takerFeeCoefficient: '1.00', st: false,
  });
}

function contract(s: SymbolState, nowMs: number): string {
  const { inst, fmt, candles } = s;
  const m = s.markPrice(nowMs);
  const multiplier = inst.base === 'BTC' ? 0.001 : inst.base === 'ETH' ? 0.01 : 1;
  // Numbers where the venue writes numbers (tickSize, multiplier, rates), as in the SDK example.
  return `{"symbol":"${inst.venueSymbol}","rootSymbol":"${inst.settle}","type":"FFWCSX","firstOpenDate":${candles.listedMs},"expireDate":null,`
    + `"settleDate":null,"baseCurrency":"${futuresAsset(inst.base)}","quoteCurrency":"${inst.quote}","settleCurrency":"${inst.settle}",`
    + `"maxOrderQty":1000000,"maxPrice":1000000.0,"lotSize":${fmt.stepSize()},"tickSize":${fmt.tickSize()},"indexPriceTickSize":${fmt.tickSize()},`
    + `"multiplier":${multiplier},"initialMargin":0.008,"maintainMargin":0.004,"maxRiskLimit":100000,"minRiskLimit":100000,"riskStep":50000,`
    + `"makerFeeRate":0.0002,"takerFeeRate":0.0006,"takerFixFee":0.0,"makerFixFee":0.0,"settlementFee":null,"isDeleverage":true,"isQuanto":false,`
    + `"isInverse":false,"markMethod":"FairPrice","fairMethod":"FundingRate","status":"Open","fundingFeeRate":${Number(m.fundingRate)},`
    + `"predictedFundingFeeRate":${Number(m.fundingRate)},"fundingRateGranularity":28800000,"markPrice":${Number(m.mark)},"indexPrice":${Number(m.index)},`
    + `"nextFundingRateTime":${m.nextFundingMs - nowMs},"maxLeverage":125}`;
}

const currency = (c: string): string =>
  `{"currency":"${c}","name":"${c}","fullName":"${c}","precision":8,"confirms":null,"contractAddress":null,"isMarginEnabled":false,"isDebitEnabled":false,"chains":[]}`;

/** Listings, time and currencies; undefined when `path` is none of them. */
export function kucoinReference(symbols: ReadonlyMap<string, SymbolState>, futures: boolean, path: string, nowMs = Date.now()): RestReply | undefined {
  const all = [...symbols.values()];
  switch (path) {
    case '/api/v1/timestamp':
      return { status: 200, body: `{"code":"200000","msg":"success","data":${nowMs}}` };
    case '/api/v1/symbols':
    case '/api/v2/symbols':
      return futures ? undefined : ok(`[${all.map(spotSymbol).join(',')}]`);
    case '/api/v3/currencies': {
      // ccxt's kucoinfutures loads these too (from the spot host; one base URL here)
      const codes = [...new Set(all.flatMap((s) => [s.inst.base, s.inst.quote]))];
      return ok(`[${codes.map(currency).join(',')}]`);
    }
    case '/api/v1/contracts/active':
      return futures ? ok(`[${all.map((s) => contract(s, nowMs)).join(',')}]`) : undefined;
  }
  return undefined;
}

const levels = (s: SymbolState, side: BookState['bids'], quoted: boolean): string => {
  let out = '[';
  for (let i = 0; i < side.ticks.length; i++) {
    const p = s.fmt.price(side.ticks[i]);
    const q = s.fmt.qty(side.lots[i]);
    out += (i > 0 ? ',' : '') + (quoted ? `["${p}","${q}"]` : `[${p},${q}]`);
  }
  return out + ']';
};

/** Spot `GET /api/v1/market/orderbook/level2_{20,100}`: sequence as text, time ms. */
export function spotBook(s: SymbolState, book: BookState, nowMs: number): RestReply {
  const body = `{"code":"200000","data":{"time":${nowMs},"sequence":"${book.lastUpdateId}","bids":${levels(s, book.bids, true)},"asks":${levels(s, book.asks, true)}}}`;
  return { status: 200, body, isDepth: true };
}

/** Futures `GET /api/v1/level2/snapshot`: prices and sizes as JSON numbers, ts ns. */
export function futuresBook(s: SymbolState, book: BookState, nowMs: number): RestReply {
  const body = `{"code":"200000","data":{"sequence":${book.lastUpdateId},"symbol":"${s.inst.venueSymbol}","bids":${levels(s, book.bids, false)},`
    + `"asks":${levels(s, book.asks, false)},"ts":${nowMs}000000}}`;
  return { status: 200, body, isDepth: true };
}

/** `POST /api/v1/bullet-public`: a token and the simulator's own socket endpoint. */
export function bullet(endpoint: string, token: string): RestReply {
  return ok(`{"token":"${token}","instanceServers":[{"endpoint":"${endpoint}","encrypt":false,"protocol":"websocket","pingInterval":18000,"pingTimeout":10000}]}`);
}

/** A fixed-decimal text as the JSON number lexeme the venue writes ("60000.05000000" → 60000.05). */
export const numberText = (fixed: string): string => trimZeros(fixed);
