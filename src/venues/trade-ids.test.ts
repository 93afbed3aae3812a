// TradeIdFilter: copies dropped and counted, jumps handed to the backfill bookkeeping, missing
// ids brought late kept with a ledger row, a restarted numbering kept, text ids looked up.
import { describe, expect, it } from 'vitest';
import type { Gap, Trade } from '../core/events.js';
import { getVenue } from './index.js';
import { TradeIdGaps } from './trade-backfill.js';
import { TradeIdFilter, type TradeIdSlot } from './trade-ids.js';

function setup(orderedIds = true) {
  const rows: Gap[] = [];
  const gaps = new TradeIdGaps({ venue: 'binance', byId: getVenue('binance').tradesById, venueSymbols: ['BTCUSDT'], emit: (ev) => rows.push(ev) });
  const filter = new TradeIdFilter(orderedIds, gaps);
  const slot: TradeIdSlot = {
    symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', lastTradeId: -1, recentTrades: undefined, duplicateTrades: 0, redundant: false, lineTrades: undefined, tradesFilled: 0,
  };
  const trade = (id: string): Trade => ({ type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 2, id, price: '1', amount: '1', side: 'buy' });
  const admit = (ids: string[], count?: number): boolean[] => ids.map((id) => filter.admit(slot, trade(id), count));
  return { gaps, slot, admit, rows };
}

describe('TradeIdFilter', () => {
  it('increasing ids: copies are dropped and counted; a jump leaves its ids missing', () => {
    const s = setup();
    expect(s.admit(['5', '6', '6', '4', '9'])).toEqual([true, true, false, false, true]);
    expect(s.slot.duplicateTrades).toBe(2);
    expect(s.gaps.ranges('BTCUSDT')).toEqual([[7, 8]]);
  });

  it('a missing id the stream brings late is kept, with a backfill row naming it', () => {
    const s = setup();
    expect(s.admit(['1', '4', '3', '3'])).toEqual([true, true, true, false]);
    expect(s.gaps.ranges('BTCUSDT')).toEqual([[2, 2]]);
    expect(s.rows.map((r) => r.reason)).toEqual(['backfill from=3 to=3 count=1 route=stream']);
  });

  it('an aggregated push stands for its ids: no jump from its first id, and late ones clear what they cover', () => {
    const s = setup();
    expect(s.admit(['10'])).toEqual([true]);
    expect(s.admit(['13'], 3)).toEqual([true]); // 11..13
    expect(s.gaps.ranges('BTCUSDT')).toEqual([]);
    expect(s.admit(['20'], 2)).toEqual([true]); // 19..20: 14..18 missing
    expect(s.gaps.ranges('BTCUSDT')).toEqual([[14, 18]]);
  });

  it('a venue restarting its numbering: a warning row, the new ids kept', () => {
    const s = setup();
    expect(s.admit(['5000000', '12', '13', '13'])).toEqual([true, true, true, false]);
    expect(s.rows.map((r) => r.reason)).toEqual([expect.stringContaining('trade ids restarted')]);
  });

  it('unordered or text ids are looked up among recent ones', () => {
    const s = setup(false);
    expect(s.admit(['b', 'a', 'b', '7', '3', '7'])).toEqual([true, true, false, true, true, false]);
    expect(s.slot.duplicateTrades).toBe(2);
    expect(s.admit([''])).toEqual([true]); // no id: nothing to compare
  });

  it('redundant lines: a trade the leading line missed, brought late by the other, counts as a fill', () => {
    const s = setup();
    s.slot.redundant = true;
    expect(s.admit(['1', '2', '2', '1'])).toEqual([true, true, false, false]);
    expect(s.slot.tradesFilled).toBe(0);
    // line A jumps 2 → 5 (backfill bookkeeping marks 3..4), line B brings 3 and 4 late
    expect(s.admit(['5', '3', '4', '5'])).toEqual([true, true, true, false]);
    expect(s.slot.tradesFilled).toBe(2);
    expect(s.gaps.ranges('BTCUSDT')).toEqual([]);
  });
});
