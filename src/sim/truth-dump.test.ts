// The ground-truth dump of `marketfeed sim --truth-out`: the injected faults, then every truth
// entry still held, each equal to what `truth.topAt` answers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { startSim } from './index.js';
import { writeTruthDump } from './truth-dump.js';
import { until } from '../../test/wait.js';

it('writes the faults and every held truth entry, oldest first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-truth-dump-'));
  const sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 2, diffIntervalMs: 5, truthHistory: 50, truthDepth: 3 });
  try {
    sim.inject('stall', { durationMs: 1 });
    await until(() => [...sim.truth.entries('BTCUSDT')].length === 50);
    await sim.stop();
    const path = join(dir, 'truth.ndjson.gz');
    await writeTruthDump(sim, path);
    const [header, ...lines] = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ venue: 'binance', venueSymbols: ['BTCUSDT', 'ETHUSDT'], gaps: [], corruptions: [] });
    expect(header.faults.stall).toBe(1);
    expect(lines.map((l) => l.s)).toEqual([...Array(50).fill('BTCUSDT'), ...Array(50).fill('ETHUSDT')]);
    for (const l of lines) {
      expect(l.b.length).toBe(3);
      expect({ bids: l.b, asks: l.a }).toEqual(sim.truth.topAt(l.s, l.k));
    }
    const keys = lines.filter((l) => l.s === 'BTCUSDT').map((l) => l.k);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(keys[49]).toBe(sim.truth.lastUpdateId('BTCUSDT'));
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
