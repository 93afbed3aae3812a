import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/fixtures.js';
import { formatCaptureReport, validateCapture } from './validate-capture.js';

const CF = join(FIXTURES, 'cryptofeed');

describe('validate --capture', () => {
  it('rebuilds the books of a Binance capture with its REST snapshots: no gap, nothing failed', async () => {
    const r = await validateCapture({ capture: join(CF, 'BINANCE.ws.1.0'), http: join(CF, 'BINANCE.http.0.0'), venue: 'binance' });
    expect(r.frames).toBeGreaterThan(100);
    expect(r.gaps).toBe(0);
    expect(r.checksumsFailed).toBe(0);
    expect(r.symbols.reduce((n, s) => n + s.applied, 0)).toBeGreaterThan(0);
    expect(r.clean).toBe(true);
    expect(formatCaptureReport(r)).toMatch(/CLEAN\n$/);
  });

  it.each([
    ['BITGET.ws.1.0', 443],
    ['BITGET.ws.2.0', 194],
  ])('%s (bitget): every checksum verifies (%i), symbols found from the subscribe frames', async (file, verified) => {
    const r = await validateCapture({ capture: join(CF, file), venue: 'bitget' });
    expect(r.checksumsVerified).toBe(verified);
    expect(r.checksumsFailed).toBe(0);
    expect(r.gaps).toBe(0);
    expect(r.clean).toBe(true);
  });

  it.each([
    ['OKX.ws.1.0', 'okx', 290],
    ['OKCOIN.ws.1.0', 'okcoin', 6],
    ['KRAKEN.ws.50.0', 'kraken', 4269],
  ])('%s (%s): every checksum verifies (%i)', async (file, venue, verified) => {
    const r = await validateCapture({ capture: join(CF, file), venue });
    expect(r.checksumsVerified).toBe(verified);
    expect(r.checksumsFailed).toBe(0);
    expect(r.gaps).toBe(0);
    expect(r.clean).toBe(true);
  });

  it('BITFINEX.ws.11.0 (bitfinex, SEQ_ALL, no checksum frames): every book rebuilt, no gap', async () => {
    const r = await validateCapture({ capture: join(CF, 'BITFINEX.ws.11.0'), venue: 'bitfinex' });
    expect(r.symbols.length).toBeGreaterThan(0);
    expect(r.symbols.reduce((n, s) => n + s.applied, 0)).toBe(1593);
    expect(r.symbols.reduce((n, s) => n + s.snapshots, 0)).toBe(7);
    expect(r.gaps).toBe(0);
    expect(r.rejects).toBe(0);
    expect(r.clean).toBe(true);
  });

  it('refuses a missing file and an unknown venue with clear errors', async () => {
    await expect(validateCapture({ capture: join(CF, 'nope.ws'), venue: 'binance' })).rejects.toThrow(/does not exist/);
    await expect(validateCapture({ capture: join(CF, 'BINANCE.ws.1.0'), venue: 'nowhere' })).rejects.toThrow(/unknown venue/);
  });
});
