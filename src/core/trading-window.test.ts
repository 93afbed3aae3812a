import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { isMarketfeedError } from './errors.js';
import { TradingWindow, type TradingWindowSpec } from './trading-window.js';
import { expectMarketfeedError } from '../../test/expect-error.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (tsUs: number): string => new Date(tsUs / 1000).toISOString();
const win = (over: Partial<TradingWindowSpec>): TradingWindow =>
  new TradingWindow({ tz: 'UTC', startHhmm: '', endHhmm: '', endDayOffset: 0, ...over });

describe('TradingWindow', () => {
  it('is always open without a start time', () => {
    const w = win({});
    expect(w.alwaysOpen).toBe(true);
    expect(w.isOpen(us('2024-01-01T03:00:00Z'))).toBe(true);
    expect(w.nextChange(us('2024-01-01T03:00:00Z'))).toBe(Infinity);
  });

  it('opens at start and closes at end (exclusive) in UTC', () => {
    const w = win({ startHhmm: '0930', endHhmm: '1600' });
    expect(w.isOpen(us('2024-05-02T09:30:00Z') - 1)).toBe(false);
    expect(w.isOpen(us('2024-05-02T09:30:00Z'))).toBe(true);
    expect(w.isOpen(us('2024-05-02T16:00:00Z') - 1)).toBe(true);
    expect(w.isOpen(us('2024-05-02T16:00:00Z'))).toBe(false);
    expect(iso(w.nextChange(us('2024-05-02T08:00:00Z')))).toBe('2024-05-02T09:30:00.000Z');
    expect(iso(w.nextChange(us('2024-05-02T09:30:00Z')))).toBe('2024-05-02T16:00:00.000Z');
    expect(iso(w.nextChange(us('2024-05-02T16:00:00Z')))).toBe('2024-05-03T09:30:00.000Z');
  });

  it('follows New York across both DST changes', () => {
    const w = win({ tz: 'America/New_York', startHhmm: '0930', endHhmm: '1600' });
    // EST (UTC-5) before 2024-03-10, EDT (UTC-4) after
    expect(w.isOpen(us('2024-03-08T14:30:00Z'))).toBe(true);
    expect(w.isOpen(us('2024-03-08T14:29:00Z'))).toBe(false);
    const closeFri = w.nextChange(us('2024-03-08T15:00:00Z'));
    expect(iso(closeFri)).toBe('2024-03-08T21:00:00.000Z');
    // walk the boundaries over the weekend of the change
    const seen: string[] = [];
    for (let t = closeFri, i = 0; i < 6; i++) seen.push(iso((t = w.nextChange(t))));
    expect(seen).toEqual([
      '2024-03-09T14:30:00.000Z', '2024-03-09T21:00:00.000Z',
      '2024-03-10T13:30:00.000Z', '2024-03-10T20:00:00.000Z',
      '2024-03-11T13:30:00.000Z', '2024-03-11T20:00:00.000Z',
    ]);
    // and back to EST on 2024-11-03
    expect(iso(w.nextChange(us('2024-11-02T20:00:00Z')))).toBe('2024-11-03T14:30:00.000Z');
    expect(w.isOpen(us('2024-11-02T13:30:00Z'))).toBe(true);
    expect(w.isOpen(us('2024-11-04T13:30:00Z'))).toBe(false);
  });

  it('maps a wall time skipped by spring-forward to the end of the gap', () => {
    // 02:00 does not exist in New York on 2024-03-10: the window opens at 03:00 EDT = 07:00Z
    const w = win({ tz: 'America/New_York', startHhmm: '0200', endHhmm: '0400' });
    expect(iso(w.nextChange(us('2024-03-10T00:00:00Z')))).toBe('2024-03-10T07:00:00.000Z');
    expect(iso(w.nextChange(us('2024-03-10T07:00:00Z')))).toBe('2024-03-10T08:00:00.000Z');
    // an ambiguous wall time (01:30 twice on 2024-11-03) opens at the first one
    const f = win({ tz: 'America/New_York', startHhmm: '0130', endHhmm: '0300' });
    expect(iso(f.nextChange(us('2024-11-03T00:00:00Z')))).toBe('2024-11-03T05:30:00.000Z');
    expect(iso(f.nextChange(us('2024-11-03T05:30:00Z')))).toBe('2024-11-03T08:00:00.000Z');
  });

  it('runs overnight with endDayOffset 1', () => {
    const w = win({ tz: 'Asia/Tokyo', startHhmm: '2200', endHhmm: '0600', endDayOffset: 1 });
    // Tokyo is UTC+9 all year: 22:00 local = 13:00Z, 06:00 local = 21:00Z
    expect(w.isOpen(us('2024-06-01T12:59:00Z'))).toBe(false);
    expect(w.isOpen(us('2024-06-01T13:00:00Z'))).toBe(true);
    expect(w.isOpen(us('2024-06-01T15:00:00Z'))).toBe(true); // past local midnight
    expect(w.isOpen(us('2024-06-01T20:59:59Z'))).toBe(true);
    expect(w.isOpen(us('2024-06-01T21:00:00Z'))).toBe(false);
    expect(iso(w.nextChange(us('2024-06-01T15:00:00Z')))).toBe('2024-06-01T21:00:00.000Z');
    expect(iso(w.nextChange(us('2024-06-01T21:00:00Z')))).toBe('2024-06-02T13:00:00.000Z');
  });

  it('treats back-to-back 24 h windows as always open', () => {
    const w = win({ tz: 'Europe/Berlin', startHhmm: '0000', endHhmm: '0000', endDayOffset: 1 });
    for (let i = 0; i < 48; i++) expect(w.isOpen(us('2024-03-30T00:00:00Z') + i * 3_600_000_000)).toBe(true);
    expect(w.nextChange(us('2024-03-30T00:00:00Z'))).toBeGreaterThan(us('2024-03-30T00:00:00Z'));
  });

  it('agrees with the local wall clock, and nextChange is the exact flip, over a year in New York', () => {
    const w = win({ tz: 'America/New_York', startHhmm: '0930', endHhmm: '1600' });
    const wall = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    let seed = 12345;
    const start = us('2024-01-01T00:00:00Z');
    for (let i = 0; i < 150; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const t = start + Math.floor((seed / 2 ** 31) * 366 * 86_400) * 1_000_000;
      const hhmm = wall.format(t / 1000).replace(':', '');
      expect(w.isOpen(t), `${iso(t)} local ${hhmm}`).toBe(hhmm >= '0930' && hhmm < '1600');
      const next = w.nextChange(t);
      expect(w.isOpen(next - 1)).toBe(w.isOpen(t));
      expect(w.isOpen(next)).toBe(!w.isOpen(t));
    }
  });

  it.each([
    [{ tz: 'Mars/Olympus_Mons' }, 'window.tz'],
    [{ startHhmm: '2400', endHhmm: '0100' }, 'window.startHhmm'],
    [{ startHhmm: '0900', endHhmm: '930' }, 'window.endHhmm'],
    [{ startHhmm: '2200', endHhmm: '0600' }, 'window.endHhmm'],
    [{ startHhmm: '0900', endHhmm: '0900' }, 'window.endHhmm'],
    [{ startHhmm: '0900', endHhmm: '1000', endDayOffset: -1 }, 'window.endDayOffset'],
  ])('rejects %j as MF_ERR_CONFIG on %s', (over, path) => {
    try {
      win(over);
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_CONFIG')).toBe(true);
      expect((e as { path?: string }).path).toBe(path);
      return;
    }
    throw new Error('expected MF_ERR_CONFIG');
  });
});

describe('window config keys', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'mf-win-'));
  const load = (env: Record<string, string>, file?: string) => loadConfig({ env, cwd, file });

  const expectConfigError = (fn: () => unknown, ...parts: string[]): void => expectMarketfeedError(fn, 'MF_ERR_CONFIG', ...parts);

  it('defaults to always on, in UTC', () => {
    expect(load({}).window).toEqual({ tz: 'UTC', startHhmm: '', endHhmm: '', endDayOffset: 0 });
  });

  it('reads WINDOW_* from the environment', () => {
    const c = load({ WINDOW_TZ: 'America/New_York', WINDOW_START_HHMM: '2200', WINDOW_END_HHMM: '0600', WINDOW_END_DAY_OFFSET: '1' });
    expect(c.window).toEqual({ tz: 'America/New_York', startHhmm: '2200', endHhmm: '0600', endDayOffset: 1 });
  });

  it('reads HHMM that YAML parsed as a number', () => {
    const file = join(cwd, 'w.yaml');
    writeFileSync(file, 'window:\n  startHhmm: 0930\n  endHhmm: 1600\n');
    expect(load({}, file).window).toMatchObject({ startHhmm: '0930', endHhmm: '1600' });
  });

  it('names the key and the source of a bad value', () => {
    expectConfigError(() => load({ WINDOW_TZ: 'Not/AZone' }), 'window.tz', 'WINDOW_TZ');
    expectConfigError(() => load({ WINDOW_START_HHMM: '9:30', WINDOW_END_HHMM: '1600' }), 'window.startHhmm');
    expectConfigError(() => load({ WINDOW_START_HHMM: '0930', WINDOW_END_HHMM: '1660' }), 'window.endHhmm');
    expectConfigError(() => load({ WINDOW_START_HHMM: '0930' }), 'window.endHhmm');
    expectConfigError(() => load({ WINDOW_END_HHMM: '1600' }), 'window.startHhmm');
    expectConfigError(() => load({ WINDOW_START_HHMM: '2200', WINDOW_END_HHMM: '0600' }), 'window.endHhmm', 'endDayOffset');
    expectConfigError(() => load({ WINDOW_END_DAY_OFFSET: '-1' }), 'window.endDayOffset');
  });
});
