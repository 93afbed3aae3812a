// The chain rule on its own (the decoder tests cover where the ids come from), and the sync
// engine driving a Coinbase book through FeedCore: a connection-wide hole becomes a gap event and a
// resubscribe for each book on the socket, and the next snapshot resyncs it. Book rows carry the
// packed (connection, sequence_num) id they were verified at.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { silentLogger } from '../../core/log.js';
import { LevelBatch } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import { FeedCore, planTag } from '../feed-core.js';
import { coinbaseBookRule } from './book-rule.js';
import { coinbase } from './index.js';
import { NO_CHAIN, bookId } from './sequence.js';

const upd = (prevId: number, firstId: number, lastId: number): DepthUpdate => ({ ts: 1, localTs: 1, prevId, firstId, lastId, levels: new LevelBatch(1) });

describe('coinbaseBookRule', () => {
  it('applies an update that continues the book\'s last id', () => {
    expect(coinbaseBookRule.next(bookId(1, 3), upd(bookId(1, 3), bookId(1, 4), bookId(1, 7)))).toEqual({ kind: 'apply' });
  });

  it.each([
    ['a hole on the connection', upd(NO_CHAIN, bookId(1, 4), bookId(1, 6)), 'sequence_num 6 on connection 1: 4..5 missing'],
    ['the counter going back', upd(NO_CHAIN, bookId(1, 9), bookId(1, 2)), 'sequence_num 2 on connection 1: went back (9 was due)'],
    ['no run since a snapshot (a lost l2 frame)', upd(NO_CHAIN, bookId(1, 5), bookId(1, 5)), 'sequence_num 5 on connection 1 with no unbroken run since the book\'s snapshot'],
    ['a chain to another id', upd(bookId(2, 1), bookId(2, 2), bookId(2, 5)), 'an update continuing sequence_num 1 (connection 2)'],
  ])('%s is a gap', (_what, u, got) => {
    expect(coinbaseBookRule.next(bookId(1, 3), u)).toEqual({ kind: 'gap', expected: 'every sequence_num after 3 on connection 1', got });
  });

  it('bridges like it chains; snapshots come on the websocket only', () => {
    expect(coinbaseBookRule.bridge(bookId(1, 3), upd(bookId(1, 3), bookId(1, 4), bookId(1, 4)))).toEqual({ kind: 'apply' });
    expect(coinbaseBookRule.snapshotUsable(0, upd(0, 0, 0))).toBe(true);
    expect(coinbaseBookRule.checksum).toBeUndefined();
  });
});

const URL = 'ws://127.0.0.1:1';
const env = (seq: number, channel: string, events: string): string =>
  `{"channel":"${channel}","timestamp":"2026-08-12T19:27:48.${String(seq).padStart(6, '0')}123Z","sequence_num":${seq},"events":${events}}`;
const l2 = (seq: number, type: string, product: string, levels: string): string =>
  env(seq, 'l2_data', `[{"type":"${type}","product_id":"${product}","updates":[${levels}]}]`);
const lvl = (side: string, price: string, qty: string): string => `{"side":"${side}","event_time":"2026-08-12T19:27:48Z","price_level":"${price}","new_quantity":"${qty}"}`;

describe('coinbase through FeedCore', () => {
  it('a hole resyncs every book of the socket by resubscribing; the next snapshot brings it back', () => {
    const events: MarketEvent[] = [];
    const asked: string[] = [];
    // the plan keeps one book a socket (subscribe.ts); the decoder serves a socket of several alike
    const plans = [{ url: URL, subscribe: [], venueSymbols: ['BTC-USD', 'ETH-USD'], book: true }];
    const core = new FeedCore({
      spec: coinbase, symbols: ['BTC/USD', 'ETH/USD'], kinds: ['book', 'trades'], depth: 2, plans, log: silentLogger,
      requestSnapshot: (v) => asked.push(v), handlers: { event: (e) => events.push(e) },
    });
    let recvSeq = 0;
    const frame = (data: string, dir: RawFrame['dir'] = 'in'): void => {
      core.onFrame({ venue: 'coinbase', connId: 4, recvSeq: recvSeq++, localTs: 1_000_000 + recvSeq, dir, data, url: URL });
    };
    frame(`open ${URL} plan=${planTag(0, plans[0])}`, 'conn');
    frame(l2(0, 'snapshot', 'BTC-USD', [lvl('bid', '100', '1'), lvl('offer', '101', '2')].join(',')));
    frame(l2(1, 'snapshot', 'ETH-USD', [lvl('bid', '10', '1'), lvl('offer', '11', '2')].join(',')));
    frame(env(2, 'subscriptions', '[{"subscriptions":{"level2":["BTC-USD","ETH-USD"]}}]'));
    frame(l2(3, 'update', 'BTC-USD', lvl('bid', '100.5', '3')));
    frame(env(5, 'heartbeats', '[{"current_time":"x","heartbeat_counter":5}]'));
    const rows = events.filter((e) => e.type === 'book_snapshot');
    expect(rows.map((r) => [r.venueSymbol, r.updateId, r.bids[0][0]])).toEqual([
      ['BTC-USD', bookId(4, 0), '100'], ['ETH-USD', bookId(4, 1), '10'], ['BTC-USD', bookId(4, 3), '100.5'],
    ]);
    const gaps = events.filter((e) => e.type === 'gap');
    expect(gaps.map((g) => [g.venueSymbol, g.expected, g.got, g.action])).toEqual([
      ['BTC-USD', 'every sequence_num after 3 on connection 4', 'sequence_num 5 on connection 4: 4 missing', 'resync'],
      ['ETH-USD', 'every sequence_num after 1 on connection 4', 'sequence_num 5 on connection 4: 4 missing', 'resync'],
    ]);
    expect(asked.sort()).toEqual(['BTC-USD', 'ETH-USD']);
    expect(coinbase.resubscribe('BTC-USD')).toEqual(core.resubscribeFrames('BTC-USD', 2));
    frame(l2(6, 'update', 'BTC-USD', lvl('bid', '99', '1')));
    frame(l2(7, 'snapshot', 'BTC-USD', [lvl('bid', '98', '1'), lvl('offer', '102', '2')].join(',')));
    frame(l2(8, 'update', 'BTC-USD', lvl('offer', '102', '0')));
    const after = events.filter((e) => e.type === 'book_snapshot').slice(3);
    expect(after.map((r) => [r.updateId, r.bids[0]?.[0], r.asks[0]?.[0]])).toEqual([[bookId(4, 7), '98', '102'], [bookId(4, 8), '98', undefined]]);
    const btc = core.stats().find((s) => s.symbol === 'BTC/USD')!;
    expect(btc).toMatchObject({ state: 'SYNCED', gaps: 1, snapshots: 2 });
    expect(core.stats().find((s) => s.symbol === 'ETH/USD')).toMatchObject({ state: 'RESYNCING', gaps: 1 });
  });
});
