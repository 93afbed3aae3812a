// The hand reader (spot-wire.ts) against the reflection types (proto.ts) on random messages: the
// same values whatever the field order on the wire (protobuf merges concatenated encodings, so a
// wrapper split in parts and shuffled is still the same message), with unknown fields mixed in.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { BODY, mexcRoot } from './proto.js';
import { SpotFrame, SpotWireReader } from './spot-wire.js';

const root = mexcRoot();
const Wrapper = root.lookupType('PushDataV3ApiWrapper');

const price = (rng: Rng): string => `${rng.int(1, 99999)}.${String(rng.int(0, 99)).padStart(2, '0')}`;
const qty = (rng: Rng): string => (rng.next() < 0.2 ? (rng.next() < 0.5 ? '0' : '0.00000000') : `${rng.int(0, 9)}.${String(rng.int(0, 99999999)).padStart(8, '0')}`);

function randomBody(rng: Rng): [string, Record<string, unknown>] {
  switch (rng.int(0, 3)) {
    case 0: {
      const from = rng.int(1, 9e10);
      const levels = () => Array.from({ length: rng.int(0, 6) }, () => ({ price: price(rng), quantity: qty(rng) }));
      return ['publicAggreDepths', { asks: levels(), bids: levels(), eventType: 'spot@public.aggre.depth.v3.api.pb@100ms', fromVersion: String(from), toVersion: String(from + rng.int(0, 30)), lastOrderCreateTime: rng.int(0, 2e12) }];
    }
    case 1:
      return ['publicAggreDeals', { eventType: 'spot@public.aggre.deals.v3.api.pb@10ms', deals: Array.from({ length: rng.int(1, 5) }, () => ({
        price: price(rng), quantity: qty(rng), tradeType: rng.int(1, 2), time: rng.int(1.7e12, 1.8e12), ...(rng.next() < 0.5 ? { tradeId: String(rng.int(1, 1e15)) } : {}),
      })) }];
    case 2:
      return ['publicAggreBookTicker', { bidPrice: price(rng), bidQuantity: qty(rng), askPrice: price(rng), askQuantity: qty(rng), version: String(rng.int(1, 9e10)) }];
    default:
      return ['publicLimitDepths', { asks: [{ price: price(rng), quantity: qty(rng) }], bids: [{ price: price(rng), quantity: qty(rng) }], eventType: 'spot@public.limit.depth.v3.api.pb', version: String(rng.int(1, 9e10)) }];
  }
}

/** The message in 2–4 separately encoded parts, shuffled, with an unknown field or two between them. */
function scrambled(rng: Rng, msg: Record<string, unknown>): Uint8Array {
  const keys = Object.keys(msg);
  const parts: Uint8Array[] = keys.map((k) => Wrapper.encode(Wrapper.fromObject({ [k]: msg[k] })).finish());
  const w = protobuf.Writer.create();
  w.uint32((4 << 3) | 2).string('symbolId-x'); // symbolId
  w.uint32(999 << 3).uint64(12345); // a field added later
  parts.push(w.finish());
  for (let i = parts.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  return Buffer.concat(parts);
}

describe('spot-wire hand reader equals the reflection types', () => {
  it('on 2,000 random pushes, fields in any order, unknown fields skipped', () => {
    const rng = new Rng(5);
    const reader = new SpotWireReader();
    const f = new SpotFrame();
    for (let k = 0; k < 2000; k++) {
      const [name, body] = randomBody(rng);
      const msg = { channel: `spot@public.x@${k}@BTCUSDT`, symbol: 'BTCUSDT', sendTime: rng.int(1.7e12, 1.8e12), [name]: body };
      const bytes = k % 2 === 0 ? Wrapper.encode(Wrapper.fromObject(msg)).finish() : scrambled(rng, msg);
      const ref = Wrapper.toObject(Wrapper.decode(bytes), { longs: Number }) as Record<string, any>;
      expect(reader.read(bytes, f), `push ${k}`).toBe(true);
      expect(f.channel()).toBe(ref.channel);
      expect(f.text.slice(f.symbolStart, f.symbolEnd)).toBe(ref.symbol);
      expect(f.sendTime).toBe(ref.sendTime);
      expect(f.body).toBe(BODY[name as keyof typeof BODY]);
      const b = ref[name];
      if (name === 'publicAggreDeals') {
        expect(f.deals).toBe(b.deals.length);
        for (let i = 0; i < f.deals; i++) {
          const d = b.deals[i];
          expect([f.dealText(i, 0), f.dealText(i, 1), f.dealType[i], f.dealTime[i]]).toEqual([d.price, d.quantity, d.tradeType, d.time]);
          expect(f.dealSpans[6 * i + 4] < 0 ? undefined : f.dealText(i, 2)).toBe(d.tradeId);
        }
      } else if (name === 'publicAggreBookTicker') {
        expect([f.tickerText(0), f.tickerText(1), f.tickerText(2), f.tickerText(3), f.version]).toEqual([b.bidPrice, b.bidQuantity, b.askPrice, b.askQuantity, Number(b.version)]);
      } else {
        const lv = f.levels;
        const got: string[] = [];
        for (let i = 0; i < lv.length; i++) got.push(`${lv.sideAt(i)} ${lv.priceTextAt(i)} ${lv.amountTextAt(i)} ${lv.isDeleteAt(i)}`);
        const want = [...(b.asks ?? []).map((l: any) => `-1 ${l.price} ${l.quantity} ${Number(l.quantity) === 0}`), ...(b.bids ?? []).map((l: any) => `1 ${l.price} ${l.quantity} ${Number(l.quantity) === 0}`)];
        expect(got.sort()).toEqual(want.sort());
        if (name === 'publicAggreDepths') expect([f.fromVersion, f.toVersion]).toEqual([Number(b.fromVersion), Number(b.toVersion)]);
        else expect(f.version).toBe(Number(b.version));
      }
    }
  });

  it('refuses two bodies in one push, and a wrapper without a channel', () => {
    const reader = new SpotWireReader();
    const f = new SpotFrame();
    const one = Wrapper.encode(Wrapper.fromObject({ channel: 'c', publicAggreBookTicker: { bidPrice: '1', bidQuantity: '1', askPrice: '2', askQuantity: '1', version: '5' } })).finish();
    const two = Wrapper.encode(Wrapper.fromObject({ publicAggreDeals: { deals: [{ price: '1', quantity: '1', tradeType: 1, time: 1 }] } })).finish();
    expect(reader.read(one, f)).toBe(true);
    expect(reader.read(Buffer.concat([one, two]), f)).toBe(false);
    expect(reader.read(Wrapper.encode(Wrapper.fromObject({ symbol: 'BTCUSDT' })).finish(), f)).toBe(false);
  });
});
