// OKX v5 REST as our venue code uses it — `GET /api/v5/public/instruments?instType=SPOT|SWAP|FUTURES`
// and `GET /api/v5/market/books?instId=…&sz=N` (with seqId, as the 2026 REST-seeded sync needs) —
// plus the periodic websocket pushes derived from the model (tickers, funding-rate, open-interest).
import { formatUnits } from '../instruments.js';
import type { BookState } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';
import { argOf, okxLevels } from './wire.js';

const ok = (data: unknown[]): RestReply => ({ status: 200, body: JSON.stringify({ code: '0', msg: '', data }) });
const fail = (status: number, code: string, msg: string): RestReply => ({ status, body: JSON.stringify({ code, msg, data: [] }) });

function instrument(s: SymbolState): Record<string, string> {
  const { inst, fmt } = s;
  const swap = inst.swap;
  return {
    instType: swap ? 'SWAP' : 'SPOT', instId: inst.venueSymbol, uly: swap ? `${inst.base}-${inst.quote}` : '',
    instFamily: swap ? `${inst.base}-${inst.quote}` : '', baseCcy: swap ? '' : inst.base, quoteCcy: swap ? '' : inst.quote,
    settleCcy: swap ? inst.settle : '', ctVal: swap ? '0.01' : '', ctMult: swap ? '1' : '', ctValCcy: swap ? inst.base : '',
    ctType: swap ? 'linear' : '', listTime: String(s.candles.listedMs), expTime: '', lever: swap ? '100' : '10',
    tickSz: fmt.tickSize(), lotSz: fmt.stepSize(), minSz: fmt.stepSize(), state: 'live', alias: '',
  };
}

export function okxRest(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, stale: boolean): RestReply {
  if (path === '/api/v5/public/time') return ok([{ ts: String(Date.now()) }]);
  if (path === '/api/v5/public/instruments') {
    const type = q.get('instType');
    if (!type) return fail(400, '50014', 'Parameter instType can not be empty.');
    if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(type)) return fail(400, '51000', 'Parameter instType error');
    const id = q.get('instId');
    const list = [...symbols.values()].filter((s) => (s.inst.swap ? 'SWAP' : 'SPOT') === type && (!id || s.inst.venueSymbol === id));
    return ok(list.map(instrument));
  }
  if (path === '/api/v5/market/books') {
    const id = q.get('instId');
    if (!id) return fail(400, '50014', 'Parameter instId can not be empty.');
    const s = symbols.get(id);
    if (!s) return fail(400, '51001', "Instrument ID or Spread ID doesn't exist.");
    const szText = q.get('sz');
    const sz = szText === null ? 1 : Number(szText);
    if (!Number.isInteger(sz) || sz < 1) return fail(400, '51000', 'Parameter sz error');
    const n = Math.min(sz, 400);
    const book: BookState = stale ? s.oldBooks[0] : s.market.state(n);
    const side = (b: BookState['bids']): string => okxLevels(s.fmt, b.ticks, b.lots, n);
    const body = `{"code":"0","msg":"","data":[{"asks":${side(book.asks)},"bids":${side(book.bids)},"ts":"${Date.now()}","seqId":${book.lastUpdateId}}]}`;
    return { status: 200, body, isDepth: true };
  }
  return fail(404, '50000', `Unknown path ${path}`);
}

/** One periodic push: tickers, funding-rate or open-interest. */
export function okxPeriodic(channel: string, s: SymbolState, nowMs: number): string {
  const { inst, fmt, market } = s;
  const id = inst.venueSymbol;
  const type = inst.swap ? 'SWAP' : 'SPOT';
  let data: string;
  if (channel === 'tickers') {
    let vol = 0;
    for (const t of s.recentTrades) vol += t.lots;
    const last = market.lastTradeTicks;
    const first = s.recentTrades.length > 0 ? s.recentTrades[0].ticks : last;
    data = `{"instType":"${type}","instId":"${id}","last":"${fmt.price(last)}","lastSz":"${fmt.qty(s.recentTrades.at(-1)?.lots ?? 0)}",`
      + `"askPx":"${fmt.price(market.asks.bestTicks())}","askSz":"${fmt.qty(market.asks.lotsFromTop(0))}",`
      + `"bidPx":"${fmt.price(market.bids.bestTicks())}","bidSz":"${fmt.qty(market.bids.lotsFromTop(0))}",`
      + `"open24h":"${fmt.price(first)}","high24h":"${fmt.price(Math.max(first, last))}","low24h":"${fmt.price(Math.min(first, last))}",`
      + `"volCcy24h":"${fmt.qty(vol)}","vol24h":"${fmt.qty(vol)}","sodUtc0":"${fmt.price(first)}","sodUtc8":"${fmt.price(first)}","ts":"${nowMs}"}`;
  } else if (channel === 'funding-rate') {
    const m = s.markPrice(nowMs);
    const rate = String(Number(m.fundingRate));
    data = `{"fundingRate":"${rate}","fundingTime":"${m.nextFundingMs}","instId":"${id}","instType":"SWAP","method":"current_period",`
      + `"maxFundingRate":"0.0075","minFundingRate":"-0.0075","nextFundingRate":"","nextFundingTime":"${m.nextFundingMs + 8 * 3600_000}",`
      + `"premium":"0.0001","settFundingRate":"${rate}","settState":"settled","ts":"${nowMs}"}`;
  } else {
    // Open interest in contracts, slowly wandering with time.
    const oi = 1_000_000 + Math.round(100_000 * Math.sin(nowMs / 60_000));
    data = `{"instId":"${id}","instType":"SWAP","oi":"${formatUnits(oi, 2)}","oiCcy":"${formatUnits(oi, 4)}","oiUsd":"${formatUnits(oi * 600, 2)}","ts":"${nowMs}"}`;
  }
  return `{"arg":${argOf(channel, id)},"data":[${data}]}`;
}
