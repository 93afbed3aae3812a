// FeedCore with a venue whose books start from stream snapshots and carry checksums (a toy venue
// here: venues/ tests may not import a venue folder into shared code). Frames are JSON:
//   {"s":"AB","snap":[[p,a,side],…],"cs":n}  a stream snapshot
//   {"s":"AB","up":[[p,a,side],…],"cs":n}    an update
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { crc32Text } from '../book/checksum.js';
import { LevelBatch } from '../book/levels.js';
import { CHECKSUM_ONLY_RULE } from '../book/types.js';
import { FeedCore, planTag } from './feed-core.js';
import type { VenueSpec } from './types.js';

type Lv = [string, string, 1 | -1];
const sum = (bids: [string, string][], asks: [string, string][]): number => crc32Text(JSON.stringify([bids.slice(0, 2), asks.slice(0, 2)]));

const spec: VenueSpec = {
  id: 'toy', name: 'Toy', urls: { ws: 'ws://toy', rest: 'http://toy' }, maxSessionS: 0, serverPingIntervalS: 0,
  kinds: { trades: false, book: true, quote: false, derivative: false },
  toVenueSymbol: (u) => u.replace('/', ''),
  exchangeInfo: { path: '/', weight: 1 },
  parseExchangeInfo: () => new Set(['AB']),
  plan: (ws, venueSymbols) => [{ url: ws, subscribe: [], venueSymbols, book: true }],
  createDecoder: () => ({
    decode(text, meta, sink) {
      const m = JSON.parse(text) as { s: string; snap?: Lv[]; up?: Lv[]; cs?: number };
      if (m.snap) {
        sink.snapshot(m.s, { lastUpdateId: -1, ts: meta.localTs, bids: m.snap.filter((l) => l[2] === 1).map((l) => [l[0], l[1]]), asks: m.snap.filter((l) => l[2] === -1).map((l) => [l[0], l[1]]), checksum: m.cs });
        return;
      }
      const b = new LevelBatch();
      for (const [p, a, side] of m.up ?? []) b.push(side, Number(p), p, a, Number(a) === 0);
      sink.depth(m.s, { ts: meta.localTs, localTs: meta.localTs, firstId: -1, lastId: -1, prevId: -1, levels: b, checksum: m.cs });
    },
  }),
  depthRequest: () => ({ path: '/', weight: 1 }),
  parseDepth: () => { throw new Error('no REST book'); },
  bookRule: { ...CHECKSUM_ONLY_RULE, checksum: { depth: 2, compute: (b, a) => crc32Text(JSON.stringify([b, a])) } },
  bookSnapshot: 'ws',
};

function setup() {
  const events: MarketEvent[] = [];
  const requests: string[] = [];
  const plans = spec.plan('ws://toy/v1', ['AB'], ['book']);
  const core = new FeedCore({
    spec, symbols: ['A/B'], kinds: ['book'], depth: 2, plans, log: silentLogger,
    handlers: { event: (ev) => events.push(ev) }, requestSnapshot: (v) => requests.push(v),
  });
  let ts = 1;
  const frame = (connId: number, dir: RawFrame['dir'], data: string): RawFrame => ({ venue: 'toy', connId, recvSeq: 0, localTs: ts++, dir, data });
  const send = (connId: number, m: object): void => { core.onFrame(frame(connId, 'in', JSON.stringify(m))); };
  const open = (connId: number): void => { core.onFrame(frame(connId, 'conn', `open ws://toy/v1 plan=${planTag(0, plans[0])}`)); };
  const close = (connId: number): void => { core.onFrame(frame(connId, 'conn', 'close 1000 rotated')); };
  return { core, events, requests, send, open, close };
}

const SNAP: Lv[] = [['10', '1', 1], ['9', '1', 1], ['11', '1', -1], ['12', '1', -1]];
const SNAP_SUM = sum([['10', '1'], ['9', '1']], [['11', '1'], ['12', '1']]);

describe('FeedCore with stream snapshots', () => {
  it('follows the new socket from its snapshot on during a rotation, ignoring the old one', () => {
    const { core, events, send, open, close } = setup();
    open(1);
    send(1, { s: 'AB', snap: SNAP, cs: SNAP_SUM });
    send(1, { s: 'AB', up: [['10', '2', 1]], cs: sum([['10', '2'], ['9', '1']], [['11', '1'], ['12', '1']]) });
    open(2); // rotation: make-before-break
    send(2, { s: 'AB', snap: [['10', '3', 1], ['9', '1', 1], ['11', '1', -1], ['12', '1', -1]], cs: sum([['10', '3'], ['9', '1']], [['11', '1'], ['12', '1']]) });
    // the old socket's late update would break the checksum if it were applied
    send(1, { s: 'AB', up: [['9', '5', 1]], cs: 1 });
    close(1);
    send(2, { s: 'AB', up: [['11', '0', -1]], cs: sum([['10', '3'], ['9', '1']], [['12', '1']]) });
    const st = core.stats()[0];
    expect(st).toMatchObject({ state: 'SYNCED', gaps: 0, checksumChecks: 4, checksumMismatches: 0, snapshots: 2 });
    expect(events.filter((e) => e.type === 'gap')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', bids: [['10', '3'], ['9', '1']], asks: [['12', '1']] });
  });

  it('resyncs on a checksum mismatch by asking for a snapshot, then recovers from the next one', () => {
    const { core, events, requests, send, open } = setup();
    open(1);
    send(1, { s: 'AB', snap: SNAP, cs: SNAP_SUM });
    send(1, { s: 'AB', up: [['10', '2', 1]], cs: 99 });
    expect(requests).toEqual(['AB']);
    expect(events.filter((e) => e.type === 'gap')).toHaveLength(1);
    expect(core.stats()[0].state).toBe('RESYNCING');
    send(1, { s: 'AB', snap: SNAP, cs: SNAP_SUM });
    expect(core.stats()[0]).toMatchObject({ state: 'SYNCED', gaps: 1, checksumMismatches: 1 });
  });

  it('a disconnect clears the book; the next socket\'s snapshot restarts it', () => {
    const { core, send, open, close } = setup();
    open(1);
    send(1, { s: 'AB', snap: SNAP, cs: SNAP_SUM });
    close(1);
    expect(core.stats()[0].state).toBe('RESYNCING');
    open(3);
    send(3, { s: 'AB', snap: SNAP, cs: SNAP_SUM });
    expect(core.stats()[0].state).toBe('SYNCED');
  });
});
