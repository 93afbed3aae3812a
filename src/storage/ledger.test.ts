import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EVENTS_HEADER, eventRow } from './csv.js';
import { nextEventIdSync } from './ledger.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-ledger-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('nextEventIdSync', () => {
  it('starts at 1 in a new day', () => {
    expect(nextEventIdSync(join(dir, 'events.csv.gz'), join(dir, 'snapshots'))).toBe(1);
  });

  it('continues after the highest id in the events file and in snapshot names', () => {
    const events = join(dir, 'events.csv.gz');
    const row = (eventId: number) => eventRow({ eventId, ts: 1, localTs: 1, kind: 'warn', detail: 'x' });
    writeFileSync(events, Buffer.concat([gzipSync(EVENTS_HEADER + row(1) + row(2)), gzipSync(row(5))]));
    const snapshots = join(dir, 'snapshots');
    mkdirSync(snapshots);
    expect(nextEventIdSync(events, snapshots)).toBe(6);
    writeFileSync(join(snapshots, 'snapshot_9_rest.json'), '{}');
    writeFileSync(join(snapshots, 'snapshot_99_rest.json.tmp-1'), '{}'); // an unfinished temp file does not count
    expect(nextEventIdSync(events, snapshots)).toBe(10);
  });

  it('ignores a half-written final member', () => {
    const events = join(dir, 'events.csv.gz');
    const lost = gzipSync(eventRow({ eventId: 3, ts: 1, localTs: 1, kind: 'warn', detail: 'x' }));
    writeFileSync(events, gzipSync(EVENTS_HEADER + eventRow({ eventId: 2, ts: 1, localTs: 1, kind: 'gap', detail: 'y' })));
    appendFileSync(events, lost.subarray(0, 10));
    expect(nextEventIdSync(events, join(dir, 'snapshots'))).toBe(3);
  });
});
