// The status line's text: books waiting for a snapshot show, with the longest wait, while there are any.
import { describe, expect, it } from 'vitest';
import type { Feed, FeedStats } from '../pipeline/feed.js';
import type { SymbolStats } from '../venues/index.js';
import { StatusLine, type BytesSource } from './status-line.js';

function book(symbol: string, state: string, snapshotWaitS?: number): SymbolStats {
  return {
    symbol, state, applied: 0, stale: 0, gaps: 0, resyncs: 0, snapshots: 0, rejects: 0, duplicateTrades: 0, quoteChecks: 0,
    quoteMismatches: 0, checksumChecks: 0, checksumMismatches: 0, ...(snapshotWaitS === undefined ? {} : { snapshotWaitS }),
  };
}

function line(symbols: SymbolStats[]): string {
  const stats: FeedStats = { events: 0, framesIn: 0, bytesIn: 0, reconnects: 0, rejects: 0, queueDropped: 0, symbols };
  const sink: BytesSource = { stats: () => ({ bytesWritten: 0, writeErrors: 0, droppedRows: 0 }) };
  return new StatusLine({ stats: () => stats } as unknown as Feed, sink, false).render();
}

describe('StatusLine', () => {
  it('counts the books awaiting a snapshot and shows the longest wait', () => {
    const text = line([book('A', 'SYNCED', 0), book('B', 'SNAPSHOT', 2.04), book('C', 'RESYNCING', 12.36), book('D', 'SYNCING', 0)]);
    expect(text).toContain('books 1/4 synced | awaiting snapshot 2 (longest 12.4 s) | ');
  });

  it('shows each redundant line: sockets up and how often it filled in for the other', () => {
    const stats: FeedStats = {
      events: 0, framesIn: 0, bytesIn: 0, reconnects: 1, rejects: 0, queueDropped: 0, symbols: [book('A', 'SYNCED', 0)],
      lines: [{ line: 'a', connected: 1, sockets: 1, reconnects: 0, fills: 3 }, { line: 'b', connected: 0, sockets: 1, reconnects: 1, fills: 0 }],
    };
    const sink: BytesSource = { stats: () => ({ bytesWritten: 0, writeErrors: 0, droppedRows: 0 }) };
    const text = new StatusLine({ stats: () => stats } as unknown as Feed, sink, false).render();
    expect(text).toContain('| reconnects 1 | lines A 1/1 up fills 3, B 0/1 up fills 0 | written');
    expect(line([book('A', 'SYNCED', 0)])).not.toContain('lines');
  });

  it('says nothing of snapshots when no book waits (or the stats carry no waits, as in replay)', () => {
    expect(line([book('A', 'SYNCED', 0), book('B', 'SYNCED')])).toMatch(/books 2\/2 synced \| quote checks/);
  });
});
