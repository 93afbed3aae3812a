// The Bitget captures through FeedCore (the path `marketfeed validate --capture … --venue bitget`
// takes): no configured plans, symbols read from the capture's subscribe frames, every book
// SYNCED with no gap and no reject.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { parseCryptofeedLine } from '../../replay/cryptofeed.js';
import { FeedCore } from '../feed-core.js';
import { FIXTURES } from '../../../test/fixtures.js';
import { bitget } from './index.js';
import { subscribedIn } from './subscribe.js';
import { unifiedOf } from './symbols.js';

describe.each([['BITGET.ws.1.0', 443], ['BITGET.ws.2.0', 194]] as const)('%s through FeedCore', (file, total) => {
  it(`syncs every book, ${total} checksums checked, no mismatch, gap or reject`, () => {
    const conn = { id: 0, seq: 0 };
    const frames = readFileSync(`${FIXTURES}/cryptofeed/${file}`, 'utf8').split('\n')
      .map((l) => parseCryptofeedLine(l, 'bitget', conn)).filter((f) => f !== undefined);
    const symbols: string[] = [];
    for (const f of frames) if (f.dir === 'out') for (const v of subscribedIn(f.data)?.venueSymbols ?? []) symbols.push(unifiedOf(v)!);
    const events: MarketEvent[] = [];
    const core = new FeedCore({
      spec: bitget, symbols, kinds: ['book', 'trades', 'quote', 'derivative'], depth: 10, plans: [],
      handlers: { event: (ev) => events.push(ev) }, log: silentLogger, requestSnapshot: () => {},
    });
    for (const f of frames) core.onFrame(f);
    const stats = core.stats();
    expect(stats.length).toBe(symbols.length);
    for (const s of stats) expect({ symbol: s.symbol, state: s.state, gaps: s.gaps, rejects: s.rejects }).toEqual({ symbol: s.symbol, state: 'SYNCED', gaps: 0, rejects: 0 });
    expect(stats.reduce((n, s) => n + s.checksumChecks, 0)).toBe(total);
    expect(stats.reduce((n, s) => n + s.checksumMismatches, 0)).toBe(0);
    expect(events.filter((e) => e.type === 'gap')).toEqual([]);
    expect(events.some((e) => e.type === 'book_snapshot')).toBe(true);
  });
});
