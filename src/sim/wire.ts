// The venues' messages as sent, written by hand from PROTOCOLS.md §1–2 and the fixtures in
// shared/fixtures/protocol-vectors (key order as the real wire). Built by string concatenation:
// at load-test rates JSON.stringify of these objects is the simulator's biggest cost.
import type { Candle } from './candles.js';
import type { Formatter } from './instruments.js';
import type { DiffFrame, SimTrade } from './market.js';

function levels(fmt: Formatter, ticks: number[], lots: number[]): string {
  let s = '[';
  for (let i = 0; i < ticks.length; i++) {
    if (i > 0) s += ',';
    s += '["' + fmt.price(ticks[i]) + '","' + fmt.qty(lots[i]) + '"]';
  }
  return s + ']';
}

/** depthUpdate: spot {e,E,s,U,u,b,a}; futures {e,E,T,s,U,u,pu,b,a}. */
export function depthUpdate(futures: boolean, fmt: Formatter, f: DiffFrame, eMs: number): string {
  const s = fmt.inst.venueSymbol;
  const b = levels(fmt, f.bidTicks, f.bidLots);
  const a = levels(fmt, f.askTicks, f.askLots);
  if (futures) {
    return `{"e":"depthUpdate","E":${eMs},"T":${eMs - 1},"s":"${s}","U":${f.U},"u":${f.u},"pu":${f.pu},"b":${b},"a":${a}}`;
  }
  return `{"e":"depthUpdate","E":${eMs},"s":"${s}","U":${f.U},"u":${f.u},"b":${b},"a":${a}}`;
}

/** trade: spot {e,E,s,t,p,q,T,m,M}; futures {e,E,T,s,t,p,q,X,m}. */
export function trade(futures: boolean, fmt: Formatter, t: SimTrade, eMs: number): string {
  const s = fmt.inst.venueSymbol;
  const p = fmt.price(t.ticks);
  const q = fmt.qty(t.lots);
  if (futures) {
    return `{"e":"trade","E":${eMs},"T":${t.timeMs},"s":"${s}","t":${t.id},"p":"${p}","q":"${q}","X":"MARKET","m":${t.buyerMaker}}`;
  }
  return `{"e":"trade","E":${eMs},"s":"${s}","t":${t.id},"p":"${p}","q":"${q}","T":${t.timeMs},"m":${t.buyerMaker},"M":true}`;
}

/** aggTrade: one per trade here (each sweep level is its own price), so f = l = the trade id. */
export function aggTrade(futures: boolean, fmt: Formatter, t: SimTrade, aggId: number, eMs: number): string {
  const head = `{"e":"aggTrade","E":${eMs},"s":"${fmt.inst.venueSymbol}","a":${aggId},"p":"${fmt.price(t.ticks)}","q":"${fmt.qty(t.lots)}","f":${t.id},"l":${t.id},"T":${t.timeMs},"m":${t.buyerMaker}`;
  return futures ? head + '}' : head + ',"M":true}';
}

/** bookTicker: spot {u,s,b,B,a,A}; futures {e,u,s,b,B,a,A,T,E}. `u` is a depth update id. */
export function bookTicker(
  futures: boolean, fmt: Formatter, u: number, bidTicks: number, bidLots: number, askTicks: number, askLots: number, eMs: number,
): string {
  const body = `"u":${u},"s":"${fmt.inst.venueSymbol}","b":"${fmt.price(bidTicks)}","B":"${fmt.qty(bidLots)}","a":"${fmt.price(askTicks)}","A":"${fmt.qty(askLots)}"`;
  return futures ? `{"e":"bookTicker",${body},"T":${eMs - 1},"E":${eMs}}` : `{${body}}`;
}

export function quoteDecimals(futures: boolean, fmt: Formatter): number {
  return futures ? fmt.inst.priceDecimals + fmt.inst.qtyDecimals : 8;
}

/** kline event: {e,E,s,k:{t,T,s,i,f,L,o,c,h,l,v,n,x,q,V,Q,B}}. */
export function kline(
  futures: boolean, fmt: Formatter, interval: string, openMs: number, closeMs: number, c: Candle, closed: boolean, eMs: number,
): string {
  const s = fmt.inst.venueSymbol;
  const qd = quoteDecimals(futures, fmt);
  return `{"e":"kline","E":${eMs},"s":"${s}","k":{"t":${openMs},"T":${closeMs},"s":"${s}","i":"${interval}","f":${c.firstTradeId},"L":${c.lastTradeId},"o":"${fmt.price(c.openTicks)}","c":"${fmt.price(c.closeTicks)}","h":"${fmt.price(c.highTicks)}","l":"${fmt.price(c.lowTicks)}","v":"${fmt.qty(c.volLots)}","n":${c.trades},"x":${closed},"q":"${fmt.notionalSum(c.quoteVol, qd)}","V":"${fmt.qty(c.takerBuyLots)}","Q":"${fmt.notionalSum(c.takerBuyQuote, qd)}","B":"0"}}`;
}

/** REST kline row: [openTime,o,h,l,c,v,closeTime,qv,n,tbv,tbqv,"0"]. */
export function klineRow(futures: boolean, fmt: Formatter, openMs: number, closeMs: number, c: Candle): unknown[] {
  const qd = quoteDecimals(futures, fmt);
  return [
    openMs, fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks), fmt.qty(c.volLots),
    closeMs, fmt.notionalSum(c.quoteVol, qd), c.trades, fmt.qty(c.takerBuyLots), fmt.notionalSum(c.takerBuyQuote, qd), '0',
  ];
}

export interface MarkPrice {
  mark: string;
  index: string;
  settle: string;
  fundingRate: string;
  nextFundingMs: number;
}

/** markPriceUpdate: {e,E,s,p,i,P,r,T}. */
export function markPriceUpdate(symbol: string, m: MarkPrice, eMs: number): string {
  return `{"e":"markPriceUpdate","E":${eMs},"s":"${symbol}","p":"${m.mark}","i":"${m.index}","P":"${m.settle}","r":"${m.fundingRate}","T":${m.nextFundingMs}}`;
}

export function serverShutdown(eMs: number): string {
  return `{"e":"serverShutdown","E":${eMs}}`;
}

/** Combined-stream wrapper: {"stream":"<name>","data":<payload>}. */
export function wrap(stream: string, payload: string): string {
  return `{"stream":"${stream}","data":${payload}}`;
}
