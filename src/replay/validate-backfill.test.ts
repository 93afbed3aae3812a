// validate and trade backfill: trades fetched over REST after a dropped socket are written after
// the newer ones the stream had brought; the ledger's `backfill` rows name their ids, and only
// those may come after a higher id.
import { describe, expect, it } from 'vitest';
import { backfilledRanges, checkEvents, checkTrades } from './validate-rows.js';

const HEADER = ['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp'];
const row = (id: number, local: number): string[] => [String(id * 1000), '1.5', '0.1', 'buy', String(id), String(local)];
const EVENTS_HEADER = ['event_id', 'timestamp', 'local_timestamp', 'kind', 'state', 'detail'];
const ledger = [
  ['1', '5', '5', 'run_start', '', 'venue=binance'],
  ['2', '6', '9', 'backfill', '', 'trades: expected trade ids 102..105, got 3 trades over REST; backfill from=102 to=104 count=3 route=historicalTrades; action=backfill'],
];

describe('validate: backfilled trades', () => {
  it('the ledger names the ranges, and backfill is a ledger kind', () => {
    expect(backfilledRanges(ledger)).toEqual([[102, 104]]);
    expect(checkEvents('events.csv', EVENTS_HEADER, ledger).rowsRejected).toBe(0);
  });

  it('ids of a backfilled range may follow higher ones; any other id going back is still rejected', () => {
    const rows = [row(100, 1), row(101, 2), row(105, 3), row(102, 4), row(103, 4), row(104, 4), row(106, 5)];
    expect(checkTrades('trades.csv', HEADER, rows, [], backfilledRanges(ledger)).rowsRejected).toBe(0);
    expect(checkTrades('trades.csv', HEADER, rows, []).examples[0]).toBe('row 5: trade id 102 does not increase (previous 105)');
    const stray = [...rows, row(99, 6)];
    expect(checkTrades('trades.csv', HEADER, stray, [], backfilledRanges(ledger)).examples).toEqual(['row 9: trade id 99 does not increase (previous 106)']);
  });
});
