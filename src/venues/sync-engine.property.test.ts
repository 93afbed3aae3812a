// Property tests (fast-check) of the SyncEngine under the real venue rules: random interleavings
// of diffs (in order, skipped, overlapping, repeated), snapshots (fresh, stale, ahead of the
// stream), failed snapshot requests, disconnects and resync marks. A reference model — the truth,
// a price → amount map per side with every update applied in id order — must equal every book the
// engine emits (book_snapshot rows, and the book a consumer rebuilds from book_change events), and
// the engine's whole book whenever it says SYNCED. An id the engine never received can only show
// as a gap plus a resync, never inside a book it calls verified.
// Binance spot (U/u sequence rule, REST snapshots), Binance USDⓈ-M futures (the pu chain) and
// OKX (seqId/prevSeqId chain, stream snapshots, CRC32 of the top 25; and its checksum-only mode of
// frames without seqId).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Level, MarketEvent } from '../core/events.js';
import { LevelBatch } from '../book/levels.js';
import { SyncEngine } from '../book/sync-engine.js';
import type { BookRule, DepthUpdate } from '../book/types.js';
import { getVenue } from './index.js';

/** A fixed seed (fast-check prints it with any failure); FC_SEED=<n> to explore elsewhere. */
const SEED = Number(process.env.FC_SEED ?? 20261207);

// --- the truth ----------------------------------------------------------------------------------

/** One level of an update: side, price (bids 90–99, asks 101–110), amount (0 deletes). */
type Change = [1 | -1, number, number];

/** Book of the truth after each update: index k holds the book after updates 1..k (0: the base). */
interface Truth {
  updates: Change[][];
  books: { bids: Level[]; asks: Level[] }[];
}

const priceOf = (side: 1 | -1, i: number): number => (side === 1 ? 99 - i : 101 + i);

const changeArb: fc.Arbitrary<Change> = fc.tuple(fc.constantFrom(1 as const, -1 as const), fc.nat(9), fc.nat(4))
  .map(([side, i, a]) => [side, priceOf(side, i), a]);

function sorted(m: Map<number, number>, side: 1 | -1): Level[] {
  return [...m.entries()].filter(([, a]) => a !== 0).sort((x, y) => (x[0] - y[0]) * -side).map(([p, a]) => [String(p), String(a)]);
}

/**
 * The truth: a base book and `n` updates. Update k also sets a marker level to amount `1000 + k`,
 * an amount no other update writes, so every update changes the book and a missed one shows.
 */
function truthArb(n: number): fc.Arbitrary<Truth> {
  return fc.tuple(fc.array(changeArb, { minLength: 4, maxLength: 12 }), fc.array(fc.array(changeArb, { maxLength: 4 }), { minLength: n, maxLength: n }))
    .map(([base, rest]) => {
      const updates = [base.map(([s, p, a]): Change => [s, p, a === 0 ? 1 : a]), ...rest.map((u, i): Change[] => {
        const k = i + 1;
        const side: 1 | -1 = k % 2 === 0 ? 1 : -1;
        return [...u, [side, priceOf(side, k % 10), 1000 + k]];
      })];
      const bids = new Map<number, number>();
      const asks = new Map<number, number>();
      const books = updates.map((u) => {
        for (const [s, p, a] of u) (s === 1 ? bids : asks).set(p, a);
        return { bids: sorted(bids, 1), asks: sorted(asks, -1) };
      });
      return { updates, books };
    });
}

/** The levels of updates from..to merged (each level at its value after `to`), as a venue batches them. */
function merged(t: Truth, from: number, to: number): LevelBatch {
  const last = new Map<string, Change>();
  for (let k = from; k <= to; k++) for (const c of t.updates[k]) last.set(`${c[0]}:${c[1]}`, c);
  const b = new LevelBatch();
  for (const [s, p, a] of last.values()) b.push(s, p, String(p), String(a), a === 0);
  return b;
}

/** The whole book an engine holds. */
function bookOf(e: SyncEngine): { bids: Level[]; asks: Level[] } {
  const bids: Level[] = [];
  const asks: Level[] = [];
  e.book.top(10_000, bids, asks);
  return { bids: bids.map((l) => [l[0], l[1]]), asks: asks.map((l) => [l[0], l[1]]) };
}

const top = (b: { bids: Level[]; asks: Level[] }, n: number) => ({ bids: b.bids.slice(0, n), asks: b.asks.slice(0, n) });

/**
 * What a consumer of book_change events holds: a snapshot replaces it, a diff is applied on top.
 * It must equal the truth at every event's lastId.
 */
class ChangeConsumer {
  private bids = new Map<number, number>();
  private asks = new Map<number, number>();
  onChange(ev: MarketEvent & { type: 'book_change' }): { bids: Level[]; asks: Level[] } {
    if (ev.isSnapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, a] of ev.bids) this.bids.set(Number(p), Number(a));
    for (const [p, a] of ev.asks) this.asks.set(Number(p), Number(a));
    return { bids: sorted(this.bids, 1), asks: sorted(this.asks, -1) };
  }
}

const DEPTH = 5;
const N = 100;
const RUNS = Number(process.env.FC_RUNS ?? 300);

// --- Binance: U/u (spot) or pu (futures), REST snapshots ---------------------------------------

type BinanceOp =
  | { op: 'next'; k: number }
  | { op: 'skip'; k: number }
  | { op: 'overlap'; back: number; k: number }
  | { op: 'repeat' }
  | { op: 'old'; back: number }
  | { op: 'snapshot'; delta: number }
  | { op: 'fail' }
  | { op: 'disconnect' }
  | { op: 'connect' }
  | { op: 'resync' };

const binanceOpArb: fc.Arbitrary<BinanceOp> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('next' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('skip' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('overlap' as const), back: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('old' as const), back: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('snapshot' as const), delta: fc.integer({ min: -6, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fail' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('connect' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resync' as const) }) },
);

/** Checks made on every run, whatever the venue. */
class Checker {
  readonly events: MarketEvent[] = [];
  readonly consumer = new ChangeConsumer();
  rows = 0;
  constructor(private readonly truthAt: (updateId: number) => { bids: Level[]; asks: Level[] } | undefined, private readonly engine: () => SyncEngine) {}

  emit = (ev: MarketEvent): void => {
    this.events.push(ev);
    const e = this.engine();
    if (ev.type === 'book_snapshot') {
      expect(e.state, 'book_snapshot emitted outside SYNCED').toBe('SYNCED');
      const truth = this.truthAt(ev.updateId);
      expect(truth, `book_snapshot at unknown id ${ev.updateId}`).toBeDefined();
      expect({ bids: ev.bids, asks: ev.asks }, `book_snapshot at ${ev.updateId}`).toEqual(top(truth!, DEPTH));
      this.rows++;
    } else if (ev.type === 'book_change') {
      const held = this.consumer.onChange(ev);
      const truth = this.truthAt(ev.lastId!);
      expect(truth, `book_change at unknown id ${ev.lastId}`).toBeDefined();
      expect(held, `book rebuilt from book_change events at ${ev.lastId}`).toEqual(truth);
    }
  };
}

describe.each([
  ['binance', 'spot: U/u'],
  ['binance-futures', 'USDⓈ-M futures: pu chain'],
])('SyncEngine under the %s rule (%s) equals the reference book', (venue) => {
  const rule: BookRule = getVenue(venue).bookRule;
  // futures events carry pu, the u of the event before (spot: none)
  const withPu = venue === 'binance-futures';
  it('for any interleaving of diffs, snapshots, buffer overflows, disconnects and resyncs', () => {
    let synced = 0;
    fc.assert(
      // a small buffer cap makes the engine drop buffered diffs, moving the first buffered U
      fc.property(truthArb(N), fc.array(binanceOpArb, { minLength: 5, maxLength: 60 }), fc.constantFrom(2, 5, 10_000), (t, ops, maxBuffer) => {
        let engine!: SyncEngine;
        // update ids: update k has id 100 + k; the base book is id 100
        const idOf = (k: number): number => 100 + k;
        const check = new Checker((id) => t.books[id - 100], () => engine);
        engine = new SyncEngine({
          venue, symbol: 'A/B', venueSymbol: 'AB', depth: DEPTH, rule, emitChanges: true, emit: check.emit, maxBuffer,
          requestSnapshot: () => {}, now: () => 0,
        });
        let cursor = 0; // the last update the venue has sent on the stream
        let last: DepthUpdate | undefined;
        let localTs = 1;
        const diff = (from: number, to: number): DepthUpdate => ({ ts: localTs, localTs: localTs++, firstId: idOf(from), lastId: idOf(to), prevId: withPu ? idOf(from - 1) : -1, levels: merged(t, from, to) });
        engine.onConnected(localTs++);
        for (const o of ops) {
          const before = { state: engine.state, lastId: engine.lastId, events: check.events.length };
          let sent: DepthUpdate | undefined;
          switch (o.op) {
            case 'next':
              if (cursor + 1 > N) break;
              sent = diff(cursor + 1, Math.min(N, cursor + o.k));
              cursor = Math.min(N, cursor + o.k);
              break;
            case 'skip':
              cursor = Math.min(N, cursor + o.k);
              break;
            case 'overlap':
              if (cursor + 1 > N) break;
              sent = diff(Math.max(1, cursor + 1 - o.back), Math.min(N, cursor + o.k));
              cursor = Math.min(N, cursor + o.k);
              break;
            case 'repeat':
              sent = last;
              break;
            case 'old':
              if (cursor - o.back < 1) break;
              sent = diff(cursor - o.back, cursor - o.back);
              break;
            case 'snapshot': {
              const at = Math.max(0, Math.min(N, cursor + o.delta));
              engine.onSnapshot({ lastUpdateId: idOf(at), ts: 0, bids: t.books[at].bids.map((l) => [l[0], l[1]]), asks: t.books[at].asks.map((l) => [l[0], l[1]]) }, localTs++);
              break;
            }
            case 'fail': engine.onSnapshotFailed('HTTP 500', localTs++); break;
            case 'disconnect': engine.onDisconnected('socket closed', localTs++); break;
            case 'connect': engine.onConnected(localTs++); break;
            case 'resync': engine.resync('trading window opened', localTs++); break;
          }
          if (sent !== undefined) {
            engine.onDiff(sent);
            last = sent;
          }
          // a SYNCED book is the truth at its id, all of it
          if (engine.state === 'SYNCED') {
            synced++;
            expect(bookOf(engine), `SYNCED book at ${engine.lastId}`).toEqual(t.books[engine.lastId - 100]);
          }
          // a book that stayed SYNCED moved only over ids it was sent
          const quiet = check.events.slice(before.events).every((ev) => ev.type !== 'status' && ev.type !== 'gap');
          if (before.state === 'SYNCED' && engine.state === 'SYNCED' && quiet && engine.lastId !== before.lastId) {
            expect(sent, 'the id moved without a diff').toBeDefined();
            expect(sent!.firstId, `ids ${before.lastId + 1}..${sent!.firstId - 1} skipped silently`).toBeLessThanOrEqual(before.lastId + 1);
            expect(engine.lastId).toBe(sent!.lastId);
          }
          // every gap is followed by a resync
          const gaps = check.events.slice(before.events).filter((ev) => ev.type === 'gap');
          for (const g of gaps) expect(g).toMatchObject({ action: 'resync' });
          if (gaps.length > 0) expect(['RESYNCING', 'SNAPSHOT']).toContain(engine.state);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // the generated runs do reach SYNCED (the property is not vacuous)
    expect(synced).toBeGreaterThan(2 * RUNS);
  });
});

// --- OKX: seqId/prevSeqId, stream snapshots, CRC32 of the top 25 -----------------------------

type OkxOp =
  | { op: 'next' }
  | { op: 'skip'; k: number }
  | { op: 'repeat' }
  | { op: 'corrupt'; level: number }
  | { op: 'snapshot'; back: number; checksum: boolean }
  | { op: 'disconnect' }
  | { op: 'connect' }
  | { op: 'resync' };

const okxOpArb: fc.Arbitrary<OkxOp> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant('next' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('skip' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('corrupt' as const), level: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('snapshot' as const), back: fc.integer({ min: 0, max: 3 }), checksum: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('disconnect' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('connect' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resync' as const) }) },
);

describe.each([
  ['seqId chain and checksum', true],
  ['checksum only (frames without seqId)', false],
])('SyncEngine under the OKX rule (%s) equals the reference book', (_name, withIds) => {
  const spec = getVenue('okx');
  const rule = spec.bookRule;
  const checksum = rule.checksum!;
  it('for any interleaving of updates, stream snapshots, corrupt updates, disconnects and resyncs', () => {
    let synced = 0;
    fc.assert(
      fc.property(truthArb(N), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: N, maxLength: N }), fc.array(okxOpArb, { minLength: 5, maxLength: 60 }),
        (t, steps, ops) => {
          // seqId of the truth after update k (the base: 5000); OKX ids grow by any amount
          const seq = [5000];
          for (const s of steps) seq.push(seq.at(-1)! + s);
          const indexOf = new Map(seq.map((s, k) => [s, k]));
          let claimed = 0; // the truth index the last frame sent stands for (the checksum-only mode's id)
          let engine!: SyncEngine;
          const check = new Checker((id) => t.books[withIds ? indexOf.get(id) ?? -1 : claimed], () => engine);
          engine = new SyncEngine({
            venue: 'okx', symbol: 'A/B', venueSymbol: 'AB', depth: DEPTH, rule, emitChanges: false, emit: check.emit,
            requestSnapshot: () => {}, now: () => 0, snapshotVia: 'ws',
          });
          const sumAt = (k: number): number => checksum.compute(t.books[k].bids.slice(0, checksum.depth), t.books[k].asks.slice(0, checksum.depth));
          let cursor = 0;
          let last: DepthUpdate | undefined;
          let lastIndex = 0;
          let localTs = 1;
          const update = (k: number, levels: LevelBatch): DepthUpdate => ({
            ts: localTs, localTs: localTs++, levels, checksum: sumAt(k),
            ...(withIds ? { firstId: seq[k - 1] + 1, lastId: seq[k], prevId: seq[k - 1] } : { firstId: -1, lastId: -1, prevId: -1 }),
          });
          engine.onConnected(localTs++);
          for (const o of ops) {
            let sent: DepthUpdate | undefined;
            let sentIndex = claimed;
            switch (o.op) {
              case 'next':
                if (cursor + 1 > N) break;
                cursor++;
                sent = update(cursor, merged(t, cursor, cursor));
                sentIndex = cursor;
                break;
              case 'skip':
                cursor = Math.min(N, cursor + o.k);
                break;
              case 'repeat':
                sent = last;
                sentIndex = lastIndex;
                break;
              case 'corrupt': {
                // the venue's ids and checksum, with one level's amount not what the venue holds
                if (cursor + 1 > N) break;
                cursor++;
                const good = merged(t, cursor, cursor);
                const bad = new LevelBatch();
                const i = o.level % good.length;
                for (let j = 0; j < good.length; j++) {
                  bad.push(good.sideAt(j), good.priceAt(j), good.priceTextAt(j), j === i ? String(Number(good.amountTextAt(j)) + 7) : good.amountTextAt(j), j === i ? false : good.isDeleteAt(j));
                }
                sent = update(cursor, bad);
                sentIndex = cursor;
                break;
              }
              case 'snapshot': {
                // a stream snapshot; one taken `back` updates ago is followed by updates it does not meet
                const at = Math.max(0, cursor - o.back);
                claimed = at;
                engine.onStreamSnapshot({
                  lastUpdateId: withIds ? seq[at] : -1, ts: 0, bids: t.books[at].bids.map((l) => [l[0], l[1]]), asks: t.books[at].asks.map((l) => [l[0], l[1]]),
                  ...(o.checksum ? { checksum: sumAt(at) } : {}),
                }, localTs++);
                break;
              }
              case 'disconnect': engine.onDisconnected('socket closed', localTs++); break;
              case 'connect': engine.onConnected(localTs++); break;
              case 'resync': engine.resync('trading window opened', localTs++); break;
            }
            if (sent !== undefined) {
              claimed = sentIndex;
              engine.onDiff(sent);
              last = sent;
              lastIndex = sentIndex;
            }
            if (engine.state === 'SYNCED') {
              // a SYNCED book is the truth the venue's last frame stands for
              synced++;
              const at = withIds ? indexOf.get(engine.lastId)! : claimed;
              expect(bookOf(engine), `SYNCED book at truth index ${at}`).toEqual(t.books[at]);
            }
          }
        }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(synced).toBeGreaterThan(2 * RUNS);
  });
});
