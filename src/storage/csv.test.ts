import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { BookSnapshot, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import {
  bookHeader, bookRow, csvField, eventRow, EVENTS_HEADER, parseCsv, parseRawLine, rawLine, tradeRow, TRADES_HEADER,
} from './csv.js';

const FIXTURE = new URL('./fixtures/binance_ws_cryptofeed.txt', import.meta.url);

/** Real Binance frames: `<epoch seconds>: <frame text>` lines after the URL line. */
function binanceFrames(): RawFrame[] {
  const lines = readFileSync(FIXTURE, 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  return lines.map((l, i) => {
    const sep = l.indexOf(': ');
    return { venue: 'binance', connId: 1, recvSeq: i + 1, localTs: Math.round(Number(l.slice(0, sep)) * 1e6), dir: 'in' as const, data: l.slice(sep + 2) };
  });
}

const trade = (over: Partial<Trade> = {}): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1700000000123000, localTs: 1700000000124567,
  id: '3191201', price: '37012.01000000', amount: '0.00054000', side: 'sell', ...over,
});

const snapshot = (bids: [string, string][], asks: [string, string][]): BookSnapshot => ({
  type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1000, localTs: 2000, depth: 3, updateId: 77, bids, asks,
});

describe('csv encoders', () => {
  it('writes a trade row with exact price text and µs integers', () => {
    expect(TRADES_HEADER).toBe('timestamp,price,qty,side,id,local_timestamp\n');
    expect(tradeRow(trade())).toBe('1700000000123000,37012.01000000,0.00054000,sell,3191201,1700000000124567\n');
    expect(parseCsv(TRADES_HEADER + tradeRow(trade({ id: 'a,"b"', side: 'unknown' })))).toEqual([
      ['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp'],
      ['1700000000123000', '37012.01000000', '0.00054000', 'unknown', 'a,"b"', '1700000000124567'],
    ]);
  });

  it('builds the book header for a depth', () => {
    expect(bookHeader(2)).toBe('timestamp,local_timestamp,update_id,bid1_price,bid1_qty,bid2_price,bid2_qty,ask1_price,ask1_qty,ask2_price,ask2_qty\n');
    expect(bookHeader(2)).toBe(bookHeader(2));
  });

  it('leaves empty cells where the book is thinner than the depth, and cuts deeper books', () => {
    const row = bookRow(snapshot([['100.5', '2'], ['100.4', '1']], [['101', '3'], ['102', '4'], ['103', '5'], ['104', '6']]), 3);
    expect(row).toBe('1000,2000,77,100.5,2,100.4,1,,,101,3,102,4,103,5\n');
    const cells = parseCsv(row)[0];
    expect(cells).toHaveLength(parseCsv(bookHeader(3))[0].length);
    expect(bookRow(snapshot([], []), 1)).toBe('1000,2000,77,,,,\n');
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line1\nline2', '"line1\nline2"'],
    ['cr\r', '"cr\r"'],
    ['', ''],
  ])('quotes %j as %j', (text, field) => {
    expect(csvField(text)).toBe(field);
  });

  it('writes event rows whose detail survives a CSV round trip', () => {
    const detail = 'expected U<=1001, got U=1005; "resync"\nsecond line';
    const row = eventRow({ eventId: 7, ts: 10, localTs: 11, kind: 'gap', state: 'RESYNCING', detail });
    expect(EVENTS_HEADER).toBe('event_id,timestamp,local_timestamp,kind,state,detail\n');
    expect(parseCsv(EVENTS_HEADER + row)[1]).toEqual(['7', '10', '11', 'gap', 'RESYNCING', detail]);
    expect(eventRow({ eventId: 1, ts: 1, localTs: 2, kind: 'run_start', detail: 'x' })).toBe('1,1,2,run_start,,x\n');
  });
});

describe('raw NDJSON lines', () => {
  it('round-trips every frame of a real Binance capture', () => {
    const frames = binanceFrames();
    expect(frames.length).toBeGreaterThan(50);
    for (const f of frames) {
      const line = rawLine(f);
      expect(line.endsWith('}\n')).toBe(true);
      expect(line.indexOf('\n')).toBe(line.length - 1); // one frame, one line
      expect(parseRawLine(line, 'binance')).toEqual(f);
    }
  });

  it('keeps a fixed key order, escapes text, and carries the url when present', () => {
    const f: RawFrame = { venue: 'binance', connId: 0, recvSeq: 3, localTs: 5, dir: 'rest', data: '{"a":"x\ny"}', url: 'http://127.0.0.1/api/v3/depth?symbol=BTCUSDT' };
    const line = rawLine(f);
    expect(line).toBe('{"localTs":5,"connId":0,"recvSeq":3,"dir":"rest","data":"{\\"a\\":\\"x\\ny\\"}","url":"http://127.0.0.1/api/v3/depth?symbol=BTCUSDT"}\n');
    expect(parseRawLine(line, 'binance')).toEqual(f);
  });

  it('keeps a binary frame as base64 with "binary":true, after the url', () => {
    const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x0a]);
    const f: RawFrame = { venue: 'bingx', connId: 2, recvSeq: 9, localTs: 7, dir: 'in', data: bytes.toString('base64'), url: 'ws://127.0.0.1:1/market', binary: true };
    const line = rawLine(f);
    expect(line).toBe(`{"localTs":7,"connId":2,"recvSeq":9,"dir":"in","data":"${bytes.toString('base64')}","url":"ws://127.0.0.1:1/market","binary":true}\n`);
    expect(parseRawLine(line, 'bingx')).toEqual(f);
    expect(parseRawLine(line.replace('"binary":true', '"binary":1'), 'bingx')).toBeUndefined();
    const ka: RawFrame = { venue: 'okx', connId: 2, recvSeq: 10, localTs: 8, dir: 'out', data: 'ping', keepalive: true };
    expect(rawLine(ka)).toBe('{"localTs":8,"connId":2,"recvSeq":10,"dir":"out","data":"ping","keepalive":true}\n');
    expect(parseRawLine(rawLine(ka), 'okx')).toEqual(ka);
  });

  it.each([
    'not json',
    '[]',
    '{"localTs":1,"connId":1,"recvSeq":1,"dir":"sideways","data":"x"}',
    '{"localTs":"1","connId":1,"recvSeq":1,"dir":"in","data":"x"}',
    '{"localTs":1,"connId":1,"recvSeq":1,"dir":"in","data":5}',
    '{"localTs":1,"connId":1,"recvSeq":1,"dir":"in","data":"x","url":3}',
  ])('rejects %s', (line) => {
    expect(parseRawLine(line, 'binance')).toBeUndefined();
  });
});

describe('parseCsv', () => {
  it('handles CRLF, quoted line breaks and a final line without newline', () => {
    expect(parseCsv('a,b\r\n"x\r\ny",""""\nlast,')).toEqual([['a', 'b'], ['x\r\ny', '"'], ['last', '']]);
  });
});
