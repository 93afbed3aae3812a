// FeedCore with binary frames (a toy venue: gzip-compressed JSON, a server "Ping" the client must
// answer, as BingX does). Raw frames carry the bytes as base64 with `binary: true`.
import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { CHECKSUM_ONLY_RULE } from '../book/types.js';
import { FeedCore } from './feed-core.js';
import type { Decoder, VenueSpec } from './types.js';

const zipDecoder: Decoder = {
  decode(text, _meta, sink) {
    sink.reject('text frame from a binary venue', text);
  },
  decodeBinary(data, meta, sink) {
    const text = gunzipSync(data).toString('utf8');
    if (text === 'Ping') {
      sink.reply?.('Pong');
      return;
    }
    const m = JSON.parse(text) as { s: string; id: string; p: string; q: string };
    sink.event({ type: 'trade', venue: 'toy', symbol: 'A/B', venueSymbol: m.s, ts: meta.localTs, localTs: meta.localTs, id: m.id, price: m.p, amount: m.q, side: 'buy' });
  },
};

const base: VenueSpec = {
  id: 'toy', name: 'Toy', urls: { ws: 'ws://toy', rest: 'http://toy' }, maxSessionS: 0, serverPingIntervalS: 0,
  kinds: { trades: true, book: false, quote: false, derivative: false },
  toVenueSymbol: (u) => u.replace('/', ''),
  exchangeInfo: { path: '/', weight: 1 },
  parseExchangeInfo: () => new Set(['AB']),
  plan: (ws, venueSymbols) => [{ url: ws, subscribe: [], venueSymbols, book: false }],
  createDecoder: () => zipDecoder,
  bookRule: CHECKSUM_ONLY_RULE,
};

function setup(spec: VenueSpec) {
  const events: MarketEvent[] = [];
  const replies: [number, string][] = [];
  const rejects: string[] = [];
  const core = new FeedCore({
    spec, symbols: ['A/B'], kinds: ['trades'], depth: 0, plans: spec.plan('ws://toy/v1', ['AB'], ['trades']), log: silentLogger,
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => rejects.push(reason) },
    requestSnapshot: () => {},
    onReply: (connId, text) => replies.push([connId, text]),
  });
  let seq = 0;
  const binary = (bytes: Buffer): RawFrame => ({ venue: 'toy', connId: 3, recvSeq: ++seq, localTs: 100 + seq, dir: 'in', data: bytes.toString('base64'), binary: true });
  return { core, events, replies, rejects, binary };
}

describe('FeedCore with binary frames', () => {
  it('hands the bytes to decodeBinary and routes the frame to the symbol it touched', () => {
    const { core, events, binary } = setup(base);
    const routed = core.onFrame(binary(gzipSync('{"s":"AB","id":"7","p":"1.5","q":"2"}')));
    expect(routed).toEqual(['A/B']);
    expect(events).toEqual([expect.objectContaining({ type: 'trade', id: '7', price: '1.5', amount: '2', localTs: 101 })]);
  });

  it('answers through onReply on the socket the frame came on (nothing to answer in replay)', () => {
    const { core, replies, binary } = setup(base);
    core.onFrame(binary(gzipSync('Ping')));
    expect(replies).toEqual([[3, 'Pong']]);
  });

  it('rejects, never throws, when the decoder throws on bad bytes or the venue has no binary decoder', () => {
    const { core, rejects, binary } = setup(base);
    core.onFrame(binary(Buffer.from('not gzip')));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatch(/^decoder threw/);
    expect(core.rejects).toBe(1);
    const textOnly = setup({ ...base, createDecoder: () => ({ decode: zipDecoder.decode }) });
    textOnly.core.onFrame(textOnly.binary(gzipSync('Ping')));
    expect(textOnly.rejects).toEqual(['binary frame, and toy has no binary decoder']);
  });
});
