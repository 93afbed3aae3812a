// The R0 order model against the market model it follows (orders sum to each level after every
// frame, 1–3 orders, stable ids, ascending within a level) and the sim's R0 checksum against the
// recorded Bitfinex raw-book vectors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { Formatter, makeInstrument, type Instrument } from '../instruments.js';
import { Market } from '../market.js';
import { OrderModel } from './orders.js';
import { bitfinexRawChecksum, rawEntry } from './wire.js';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bitfinex.json'), 'utf8')).vectors as any[];
const raw = vectors.filter((v) => v.input.precision === 'R0');
const fmt8 = new Formatter({ priceDecimals: 8, qtyDecimals: 8, tickUnits: 1, stepUnits: 1 } as Instrument, 'js');
const lotsOf = (a: number): number => Math.round(Math.abs(a) * 1e8);

describe('R0 checksum against the recorded vectors', () => {
  it('has the three recorded raw books and the SDK raw string', () => {
    expect(raw.map((v) => v.id)).toEqual(['bitfinex-models-format-raw', 'bitfinex-recorded-R0-6', 'bitfinex-recorded-R0-7', 'bitfinex-recorded-R0-8']);
  });

  it.each(raw)('$id', (v) => {
    const book = v.input.bookEntries ?? { bids: v.input.bids, asks: v.input.asks };
    const want = v.expected.checksumSigned ?? (v.expected.checksumUnsigned | 0);
    const ids = (es: number[][]): number[] => es.map((e) => e[0]);
    const lots = (es: number[][]): number[] => es.map((e) => lotsOf(e[2]));
    expect(bitfinexRawChecksum(fmt8, ids(book.bids), lots(book.bids), ids(book.asks), lots(book.asks))).toBe(want);
    // The entry text is the recorded numbers as JavaScript prints them.
    const [id, price, amount] = book.asks[0] as number[];
    expect(rawEntry(fmt8, id, Math.round(price * 1e8), lotsOf(amount), true)).toBe(JSON.stringify([id, price, amount]));
  });
});

describe('order model', () => {
  it('keeps 1–3 orders per level summing to the level after every frame, ids stable unless the level changes', () => {
    const inst = makeInstrument('BTC/USD', 'bitfinex');
    const market = new Market(inst, { seed: 11, levels: 300, skipIds: false });
    const model = new OrderModel('tBTCUSD');
    const fmt = new Formatter(inst, 'js');
    const seen = new Set<number>();
    const snap = (bid: boolean): Map<number, string> => {
      const side = bid ? market.bids : market.asks;
      const out = new Map<number, string>();
      for (let d = 0; d < 100; d++) {
        const ticks = side.ticksFromTop(d);
        const o = model.peek(bid, ticks) ?? model.at(bid, ticks, side.lotsFromTop(d));
        out.set(ticks, JSON.stringify(o));
      }
      return out;
    };
    let before = [snap(true), snap(false)];
    let changes = 0;
    const bad: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok) bad.push(what);
    };
    for (let n = 0; n < 600; n++) {
      for (let k = 0; k < 3; k++) market.step(n);
      const f = market.takeFrame()!;
      model.applyFrame(f);
      changes += model.changedIds.length;
      const live = new Set<number>();
      for (const bid of [true, false]) {
        const side = bid ? market.bids : market.asks;
        const changed = new Set(bid ? f.bidTicks : f.askTicks);
        for (let d = 0; d < 100; d++) {
          const ticks = side.ticksFromTop(d);
          const held = model.peek(bid, ticks);
          if (held) {
            // Followed levels are already in line (no reconciling on read).
            check(held.lots.reduce((x, y) => x + y, 0) === side.lotsFromTop(d), `sum at ${ticks}`);
            const was = before[bid ? 0 : 1].get(ticks);
            if (was !== undefined && !changed.has(ticks)) check(JSON.stringify(held) === was, `stable at ${ticks}`);
          }
          const o = model.at(bid, ticks, side.lotsFromTop(d));
          check(o.ids.length >= 1 && o.ids.length <= 3, `count at ${ticks}`);
          for (let k = 1; k < o.ids.length; k++) check(o.ids[k] > o.ids[k - 1], `ascending at ${ticks}`);
          for (const id of o.ids) {
            check(!live.has(id), `unique ${id}`);
            live.add(id);
            seen.add(id);
          }
        }
      }
      before = [snap(true), snap(false)];
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(changes).toBeGreaterThan(500);
    expect(Math.min(...seen)).toBeGreaterThan(2 ** 32);
    // The checksum: 25 orders a side walked level by level from the best, oldest order first.
    const top = (bid: boolean): number[][] => {
      const side = bid ? market.bids : market.asks;
      const out: number[][] = [];
      for (let d = 0; out.length < 25; d++) {
        const o = model.peek(bid, side.ticksFromTop(d))!;
        o.ids.forEach((id, k) => out.push([id, o.lots[k]]));
      }
      return out.slice(0, 25);
    };
    const [b, a] = [top(true), top(false)];
    expect(model.checksum(fmt, market.bids, market.asks))
      .toBe(bitfinexRawChecksum(fmt, b.map((e) => e[0]), b.map((e) => e[1]), a.map((e) => e[0]), a.map((e) => e[1])));
    expect(model.rank(true, market.bids, market.bids.bestTicks(), model.peek(true, market.bids.bestTicks())!.ids[0])).toBe(0);
  });
});
