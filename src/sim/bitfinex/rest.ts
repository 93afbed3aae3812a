// Bitfinex v2 public REST as our venue code uses it — `GET /v2/conf/pub:list:pair:exchange`
// (`[["BTCUSD",…]]`) and `GET /v2/book/t<PAIR>/P0?len=N` (bids then asks as [PRICE,COUNT,AMOUNT]) —
// plus the ticker array shared with the websocket `ticker` channel.
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';
import { bfxAmount, bfxPrice, entry } from './wire.js';

/** `[BID,BID_SIZE,ASK,ASK_SIZE,DAILY_CHANGE,DAILY_CHANGE_RELATIVE,LAST_PRICE,VOLUME,HIGH,LOW]`. */
export function tickerBody(s: SymbolState): string {
  const { fmt, market } = s;
  let vol = 0;
  let lo = market.lastTradeTicks;
  let hi = lo;
  for (const t of s.recentTrades) {
    vol += t.lots;
    if (t.ticks < lo) lo = t.ticks;
    if (t.ticks > hi) hi = t.ticks;
  }
  const last = market.lastTradeTicks;
  const first = s.recentTrades.length > 0 ? s.recentTrades[0].ticks : last;
  const change = Number(bfxPrice(fmt, last)) - Number(bfxPrice(fmt, first));
  const rel = Math.round((change / Number(bfxPrice(fmt, first))) * 10_000) / 10_000;
  return `[${bfxPrice(fmt, market.bids.bestTicks())},${bfxAmount(fmt, market.bids.lotsFromTop(0), false)},`
    + `${bfxPrice(fmt, market.asks.bestTicks())},${bfxAmount(fmt, market.asks.lotsFromTop(0), false)},`
    + `${Number(change.toFixed(fmt.inst.priceDecimals))},${rel},${bfxPrice(fmt, last)},${bfxAmount(fmt, vol, false)},`
    + `${bfxPrice(fmt, hi)},${bfxPrice(fmt, lo)}]`;
}

const BOOK_RE = /^\/v2\/book\/(t[A-Z0-9:]+)\/(P[0-4]|R0)$/;

export function bitfinexRest(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams): RestReply {
  if (path === '/v2/platform/status') return { status: 200, body: '[1]' };
  if (path === '/v2/conf/pub:list:pair:exchange') {
    return { status: 200, body: JSON.stringify([[...symbols.keys()].map((s) => s.slice(1))]) };
  }
  const m = BOOK_RE.exec(path);
  if (m) {
    const s = symbols.get(m[1]);
    if (!s) return { status: 500, body: '["error",10020,"symbol: invalid"]' };
    if (m[2] !== 'P0') return { status: 500, body: '["error",10020,"prec: not simulated (P0 only)"]' };
    const lenText = q.get('len');
    const len = lenText === null ? 25 : Number(lenText);
    if (len !== 1 && len !== 25 && len !== 100) return { status: 500, body: '["error",10020,"len: invalid"]' };
    const bids = s.market.bids.copyTop(len);
    const asks = s.market.asks.copyTop(len);
    const parts: string[] = [];
    for (let i = 0; i < bids.ticks.length; i++) parts.push(entry(s.fmt, bids.ticks[i], bids.lots[i], false));
    for (let i = 0; i < asks.ticks.length; i++) parts.push(entry(s.fmt, asks.ticks[i], asks.lots[i], true));
    return { status: 200, body: `[${parts.join(',')}]`, isDepth: true };
  }
  return { status: 404, body: '["error",10020,"not found"]' };
}
