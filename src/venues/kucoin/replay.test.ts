// The real decoder + book rule against recorded KuCoin traffic: the two capture replays embedded in
// protocol-vectors/kucoin.json (EQZ-BTC, NRG-BTC, byte-exact 2021 frames with their REST
// snapshots), checked decision by decision and against /market/ticker's best bid/ask at the same
// sequence; then the whole cryptofeed capture (KUCOIN.ws.1.0 + .http.0.0, 9 symbols) through
// FeedCore exactly as live capture and `validate --capture` run it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import type { MarketEvent, Quote } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { LevelBatch } from '../../book/levels.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import { readCryptofeedCapture, symbolsOfCapture } from '../../replay/cryptofeed.js';
import { restSymbol } from '../../replay/replay.js';
import { FeedCore } from '../feed-core.js';
import type { DecodeSink } from '../types.js';
import { spotBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { kucoin } from './index.js';

const CF = join(FIXTURES, 'cryptofeed');
/**
 * Tickers the sync engine compares with the book: of the 810 that share a change's sequence
 * (PROTOCOLS-MORE.md §5.2), those that arrive while the book stands exactly at that sequence (a
 * ticker that arrives after the next change is skipped, not guessed at).
 */
const QUOTE_CHECKS = 789;

interface Vector {
  id: string;
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
}
const vectors = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'kucoin.json'), 'utf8')) as { vectors: Vector[] }).vectors;
const vector = (id: string): Vector => vectors.find((v) => v.id === id)!;

type Bbo = { bestBid: string; bestBidSize: string; bestAsk: string; bestAskSize: string };

/**
 * The sync engine in miniature for one symbol: buffers level2 updates until the snapshot, bridges
 * with spotBookRule, then chains with next; keeps the verdicts of each level2 frame and the best
 * bid/ask after every applied update, by its sequence.
 */
class SyncHarness implements DecodeSink {
  readonly book = new OrderBook(10);
  readonly quotes: Quote[] = [];
  readonly rejects: string[] = [];
  readonly bboAt = new Map<number, Bbo>();
  /** Verdicts per level2 frame index. */
  readonly verdicts: string[][] = [];
  state: 'buffer' | 'syncing' | 'synced' = 'buffer';
  snapshotId = -1;
  lastId = -1;
  applied = 0;
  gaps = 0;
  frame = -1;
  private readonly buffer: { u: DepthUpdate; frame: number }[] = [];

  depth(_sym: string, u: DepthUpdate): void {
    if (this.state === 'buffer') this.buffer.push({ u: { ...u, levels: LevelBatch.from(u.levels) }, frame: this.frame });
    else this.process(u, this.frame);
  }

  onSnapshot(s: BookSnapshotInput): void {
    expect(this.book.loadSnapshot(s.bids, s.asks)).toBe(true);
    this.snapshotId = this.lastId = s.lastUpdateId;
    this.state = 'syncing';
    for (const b of this.buffer.splice(0)) this.process(b.u, b.frame);
  }

  private process(u: DepthUpdate, frame: number): void {
    const v = this.state === 'syncing' ? spotBookRule.bridge(this.snapshotId, u) : spotBookRule.next(this.lastId, u);
    (this.verdicts[frame] ??= []).push(v.kind === 'apply' && this.state === 'syncing' ? 'apply-first' : v.kind);
    if (v.kind === 'gap') this.gaps++;
    if (v.kind !== 'apply') return;
    this.state = 'synced';
    this.book.apply(u.levels);
    this.lastId = u.lastId;
    this.applied++;
    const b = this.book;
    this.bboAt.set(u.lastId, { bestBid: b.bestBidPriceText!, bestBidSize: b.bestBidAmountText!, bestAsk: b.bestAskPriceText!, bestAskSize: b.bestAskAmountText! });
  }

  event(ev: MarketEvent): void {
    if (ev.type === 'quote') this.quotes.push(ev);
  }
  reject(reason: string): void { this.rejects.push(reason); }
  control(): void {}
  snapshot(): void { throw new Error('KuCoin books are seeded over REST'); }
  checksum(): void { throw new Error('KuCoin sends no checksums'); }
  reply(): void {}
}

describe.each(['kucoin-spot-eqz-btc-capture', 'kucoin-spot-nrg-btc-capture'])('protocol vector %s', (id) => {
  const v = vector(id);
  const sym = v.input.symbol as string;
  const snap = v.input.snapshot as { receivedAt: number; raw: string };
  const frames = v.input.frames as { receivedAt: number; raw: string }[];
  const dec = createDecoder({ venue: 'kucoin', symbols: new Map([[sym, kucoin.fromVenueSymbol(sym)!]]) });
  const h = new SyncHarness();
  /** sequenceStart / sequenceEnd of each level2 frame, by frame index. */
  const ranges: [number, number][] = [];
  let snapped = false;
  /** Price "0" changes per level2 frame (sequence-only, §5.2). */
  const sequenceOnly: number[] = [];
  for (const f of frames) {
    if (!snapped && f.receivedAt >= snap.receivedAt) {
      h.onSnapshot(kucoin.parseDepth(snap.raw));
      snapped = true;
    }
    if (f.raw.includes('"trade.l2update"')) {
      const d = (JSON.parse(f.raw) as { data: { sequenceStart: number; sequenceEnd: number; changes: { asks: string[][]; bids: string[][] } } }).data;
      ranges.push([d.sequenceStart, d.sequenceEnd]);
      sequenceOnly.push([...d.changes.asks, ...d.changes.bids].filter((c) => c[0] === '0').length);
      h.frame = ranges.length - 1;
    }
    dec.decode(f.raw, { venue: 'kucoin', connId: 1, recvSeq: 0, localTs: Math.round(f.receivedAt * 1e6) }, h);
  }
  const e = v.expected;

  it('bridges at the snapshot sequence and decides every level2 frame as the vector does', () => {
    expect(h.rejects).toEqual([]);
    expect(h.snapshotId).toBe(Number(e.snapshotSequence));
    const S = h.snapshotId;
    const decisions = h.verdicts.map((verdicts, i) => {
      const [start, end] = ranges[i];
      if (verdicts.every((x) => x === 'stale')) return `drop(sequenceEnd ${end} <= ${S})`;
      if (verdicts.includes('apply-first')) return `apply-first(${start} <= ${S + 1} <= ${end})`;
      return verdicts.every((x) => x === 'apply') ? 'apply' : verdicts.join('+');
    });
    expect(decisions).toEqual(e.decisions);
    expect(ranges.filter((_, i) => decisions[i].startsWith('drop'))).toEqual(e.droppedLevel2Frames);
    expect(ranges.find((_, i) => decisions[i].startsWith('apply-first'))).toEqual(e.firstApplied);
    expect(decisions.filter((d) => d.startsWith('apply')).length).toBe(e.appliedLevel2Frames);
    expect(h.gaps).toBe(e.gaps);
    expect(h.lastId).toBe(Number(e.finalSequence));
    // The vector counts those of the applied frames: they advanced the book's sequence, nothing else.
    expect(sequenceOnly.filter((_, i) => decisions[i].startsWith('apply')).reduce((a, b) => a + b, 0)).toBe(e['sequenceOnlyChanges(price "0")']);
  });

  it('matches /market/ticker\'s best bid/ask after the change of the same sequence', () => {
    const want = e.tickerChecks as { tickers: number; joinedOnSequence: number; matched: number };
    expect(h.quotes.length).toBe(want.tickers);
    const joined = h.quotes.filter((q) => h.bboAt.has(q.updateId!));
    expect(joined.length).toBe(want.joinedOnSequence);
    const matched = joined.filter((q) => {
      const b = h.bboAt.get(q.updateId!)!;
      return b.bestBid === q.bidPrice && b.bestBidSize === q.bidAmount && b.bestAsk === q.askPrice && b.bestAskSize === q.askAmount;
    });
    expect(matched.length).toBe(want.matched);
    for (const x of e.bboAtTickerSequence as (Bbo & { sequence: string })[]) {
      expect({ sequence: x.sequence, ...h.bboAt.get(Number(x.sequence)) }).toEqual(x);
    }
  });
});

describe('cryptofeed capture KUCOIN.ws.1.0 + KUCOIN.http.0.0 through FeedCore', async () => {
  const ws = join(CF, 'KUCOIN.ws.1.0');
  const symbols = await symbolsOfCapture(kucoin, ws);
  const core = new FeedCore({
    spec: kucoin, symbols, kinds: ['trades', 'book', 'quote', 'derivative'], depth: 20, plans: [], log: silentLogger,
    requestSnapshot: () => {}, handlers: { event: () => {} },
  });
  let diffs = 0;
  let trades = 0;
  for await (const batch of readCryptofeedCapture(ws, join(CF, 'KUCOIN.http.0.0'), 'kucoin')) {
    for (const f of batch) {
      if (f.dir === 'rest') {
        const v = restSymbol(f.url)!;
        expect(core.onSnapshotBody(v, f.data, f.localTs, true)).toBeUndefined();
        continue;
      }
      if (f.dir === 'in' && f.data.includes('"trade.l2update"')) diffs++;
      if (f.dir === 'in' && f.data.includes('"trade.l3match"')) trades++;
      core.onFrame(f);
    }
  }
  const stats = core.stats();
  const sum = (k: 'applied' | 'gaps' | 'rejects' | 'snapshots' | 'quoteChecks' | 'quoteMismatches'): number => stats.reduce((n, s) => n + s[k], 0);

  it('reads the 10 subscribed symbols from the subscribe frames', () => {
    expect(symbols).toEqual(['EQZ/BTC', 'ANKR/BTC', 'SNX/BTC', 'FET/BTC', 'BCHSV/USDT', 'NRG/BTC', 'CAPP/BTC', 'DAPPT/BTC', 'COV/BTC', 'LTX/USDT']);
  });

  it('bridges every one of the 3,853 diffs to its snapshot: 48 stale dropped, the rest applied, 0 gaps', () => {
    expect(diffs).toBe(3853);
    expect(sum('snapshots')).toBe(9);
    expect(sum('applied')).toBe(3853 - 48);
    expect(sum('gaps')).toBe(0);
    expect(sum('rejects')).toBe(0);
    expect(trades).toBe(18);
    for (const s of stats) expect(s.state).toBe(s.symbol === 'LTX/USDT' ? 'SNAPSHOT' : 'SYNCED');
  });

  it('agrees with every /market/ticker best bid/ask it can join on the book\'s sequence', () => {
    expect(sum('quoteChecks')).toBe(QUOTE_CHECKS);
    expect(sum('quoteMismatches')).toBe(0);
  });
});
