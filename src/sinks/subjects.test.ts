import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { eventMsgId, eventPayload, eventSubject, rawMsgId, rawSubject } from './subjects.js';

const book: MarketEvent = {
  type: 'book_snapshot', venue: 'okx', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC-USDT-SWAP', ts: 1_700_000_000_000_000, localTs: 1_700_000_000_020_000,
  depth: 2, updateId: 42, bids: [['60000.1', '1']], asks: [['60000.2', '2']],
};
const id = (ev: MarketEvent): string => eventMsgId(ev, eventPayload(ev));

describe('bus subjects and message ids', () => {
  it('names subjects md.<venue>.<kind>.<SYMBOL_FS> and raw.<venue>, with an optional prefix', () => {
    expect(eventSubject(book)).toBe('md.okx.book.BTCUSDTUSDT');
    expect(eventSubject({ ...book, type: 'quote', bidPrice: '1', bidAmount: '1', askPrice: '2', askAmount: '1' } as MarketEvent, 't1')).toBe('t1.md.okx.quote.BTCUSDTUSDT');
    expect(rawSubject({ venue: 'okx', connId: 1, recvSeq: 1, localTs: 1, dir: 'in', data: 'x' })).toBe('raw.okx');
  });

  it('ids come from venue data: the same event heard at another time has the same id', () => {
    expect(id({ ...book, localTs: book.localTs + 999 })).toBe(id(book));
    expect(id({ ...book, updateId: 43 })).not.toBe(id(book));
    expect(id({ ...book, bids: [['60000.1', '2']] })).not.toBe(id(book));
    const t: MarketEvent = { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 5, localTs: 6, id: '77', price: '1', amount: '1', side: 'buy' };
    expect(id(t)).toBe('binance|BTCUSDT|trade|77');
  });

  it('status and gap events are the recorder\'s own observations: keyed by its receive time', () => {
    const st: MarketEvent = { type: 'status', venue: 'okx', symbol: 'BTC/USDT', venueSymbol: 'BTC-USDT', ts: 9, localTs: 9, scope: 'book', state: 'SYNCED' };
    expect(id({ ...st, ts: 10, localTs: 10 })).not.toBe(id(st));
  });

  it('raw frames: what the venue sent is keyed by content, what we did by time and socket', () => {
    const f = { venue: 'okx', connId: 1, recvSeq: 1, localTs: 1, dir: 'in' as const, data: '{"a":1}', url: 'wss://x' };
    expect(rawMsgId({ ...f, connId: 9, recvSeq: 4, localTs: 5 })).toBe(rawMsgId(f));
    const out = { ...f, dir: 'out' as const };
    expect(rawMsgId({ ...out, localTs: 2 })).not.toBe(rawMsgId(out));
  });
});
