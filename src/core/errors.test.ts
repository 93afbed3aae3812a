import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, MarketfeedError, isMarketfeedError } from './errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...doc.matchAll(/^\| `(MF_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]));

describe('error catalogue', () => {
  it.each(Object.keys(ERRORS))('%s is documented in docs/errors.md', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  it('documents no stale code', () => {
    for (const code of documented) expect(Object.keys(ERRORS)).toContain(code);
  });

  it('carries venue, symbol, expected and got in the message', () => {
    const e = new MarketfeedError('MF_ERR_SEQ_GAP', 'U jumped', { venue: 'binance', symbol: 'BTC/USDT', expected: 'U=101', got: 'U=105' });
    expect(e.message).toBe('MF_ERR_SEQ_GAP: binance BTC/USDT: U jumped; expected U=101; got U=105');
    expect(e.recovery).toBe('resync');
    expect(isMarketfeedError(e, 'MF_ERR_SEQ_GAP')).toBe(true);
    expect(isMarketfeedError(new Error('x'))).toBe(false);
  });

  // found by test/cli-property.test.ts: `--symbols $'BTC/US\nDT'` printed a two-line error
  it('is one line whatever the user typed: control characters in the context are escaped', () => {
    const e = new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', '"BTC/US\\nDT" is not a unified symbol', { venue: 'binance', expected: 'BASE/QUOTE', got: 'BTC/US\nDT\r\u0000' });
    expect(e.message).toBe('MF_ERR_UNKNOWN_SYMBOL: binance: "BTC/US\\nDT" is not a unified symbol; expected BASE/QUOTE; got BTC/US\\nDT\\r\\u0000');
    expect(e.got).toBe('BTC/US\nDT\r\u0000');
  });
});
