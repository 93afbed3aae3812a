// The chaos soak in small (npm run soak runs it for 30 minutes on 20 symbols): 4 symbols on
// Binance and OKX, each venue's simulator in its own process with every fault on a seeded random
// schedule, for 90 s, then every check of scripts/soak/ — book rows against the ground truth,
// injected gaps found, no trade missing while connected, RSS flat, every file whole gzip,
// validate, and a replay byte for byte. The event-loop lag is measured but not held to a limit
// here (no timed assertions in tests; the script holds it to --max-lag-ms).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { runSoak, type SoakReport } from '../scripts/soak/run.mjs';

const BOTH = ['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown'];

describe('soak: every fault on a random schedule, two venues in their own processes', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({ minutes: 1.5, symbols: 4, seed: 7, faultEveryMs: 2000, sampleEveryS: 5, maxLagMs: Infinity });
  }, 300_000);
  afterAll(() => {
    if (report && !report.ok) console.log(report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('\n'));
    if (report) rmSync(report.work, { recursive: true, force: true });
  });

  it('injected every fault kind each venue models', () => {
    const [binance, okx] = report.venues;
    for (const k of BOTH) {
      expect(binance.faults[k], `binance ${k}`).toBeGreaterThan(0);
      expect(okx.faults[k], `okx ${k}`).toBeGreaterThan(0);
    }
    expect(okx.faults.corrupt, 'okx corrupt').toBeGreaterThan(0);
    expect(binance.faults.corrupt).toBe(0); // no checksum to corrupt
  });

  it('every check holds', () => {
    expect(report.checks.length).toBeGreaterThanOrEqual(15);
    for (const c of report.checks) expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
  });

  it('checked real data: book rows, injected gaps, trades and memory samples', () => {
    for (const v of report.venues) {
      expect(v.book.checked, v.venue).toBeGreaterThan(200);
      expect(v.gaps.injected, v.venue).toBeGreaterThan(0);
      expect(v.gaps.found + v.gaps.unseen, v.venue).toBe(v.gaps.injected);
      expect(v.trades.recorded, v.venue).toBeGreaterThan(50);
      expect(v.memory.perMinuteMiB.length, v.venue).toBeGreaterThanOrEqual(2);
      expect(v.memory.lagPerMinuteMs.every((x) => x > 0), v.venue).toBe(true);
    }
  });
});
