import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, type OutMsg } from './outbox.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function spool(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-outbox-'));
  dirs.push(d);
  return d;
}
const msg = (i: number): OutMsg => ({ subject: 'md.x.trades.AB', data: `{"i":${i}}`, msgId: `id${i}` });
const drain = (o: Outbox): OutMsg[] => {
  const out: OutMsg[] = [];
  for (let m = o.next(); m !== undefined; m = o.next()) {
    out.push(m);
    o.done(m);
  }
  return out;
};

describe('Outbox', () => {
  it('hands messages out in order and forgets them when acked', () => {
    const o = new Outbox({ spoolDir: spool(), maxMemoryBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) o.push(msg(i));
    expect(o.pending).toBe(5);
    expect(drain(o).map((m) => m.msgId)).toEqual(['id0', 'id1', 'id2', 'id3', 'id4']);
    expect(o.pending).toBe(0);
  });

  it('sends a failed message again before the others', () => {
    const o = new Outbox({ spoolDir: spool(), maxMemoryBytes: 1 << 20 });
    for (let i = 0; i < 3; i++) o.push(msg(i));
    const first = o.next()!;
    o.failed(first);
    expect(drain(o).map((m) => m.msgId)).toEqual(['id0', 'id1', 'id2']);
  });

  it('spills beyond the memory budget to segment files, published first and deleted once acked', () => {
    const dir = spool();
    const o = new Outbox({ spoolDir: dir, maxMemoryBytes: 100 });
    for (let i = 0; i < 10; i++) o.push(msg(i));
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    expect(o.spoolSegments).toBeGreaterThan(0);
    expect(drain(o).map((m) => m.msgId)).toEqual(Array.from({ length: 10 }, (_, i) => `id${i}`));
    expect(readdirSync(dir)).toEqual([]);
    expect(o.spoolSegments).toBe(0);
  });

  it('spools what is left at a stop, in flight included, and a new outbox on the same dir publishes it', () => {
    const dir = spool();
    const a = new Outbox({ spoolDir: dir, maxMemoryBytes: 1 << 20 });
    for (let i = 0; i < 6; i++) a.push(msg(i));
    const acked = a.next()!;
    a.done(acked);
    const inFlight = [a.next()!, a.next()!];
    a.spoolAll(inFlight);
    expect(a.pending).toBe(0);
    const b = new Outbox({ spoolDir: dir, maxMemoryBytes: 1 << 20 });
    expect(drain(b).map((m) => m.msgId).sort()).toEqual(['id1', 'id2', 'id3', 'id4', 'id5']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rewrites a half-published segment at a stop so nothing is sent twice or lost', () => {
    const dir = spool();
    const a = new Outbox({ spoolDir: dir, maxMemoryBytes: 60 });
    for (let i = 0; i < 4; i++) a.push(msg(i)); // spills
    const m0 = a.next()!;
    a.done(m0);
    const m1 = a.next()!; // in flight at the stop
    a.spoolAll([m1]);
    const b = new Outbox({ spoolDir: dir, maxMemoryBytes: 1 << 20 });
    expect(drain(b).map((m) => m.msgId)).toEqual(['id1', 'id2', 'id3']);
  });
});
