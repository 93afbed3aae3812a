// `record --sim` as a user runs it (what `npm start` does): SIGINT / SIGTERM in the middle stop it
// cleanly with every file flushed and readable, and --duration stops it the same way.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli, runCli } from './cli.js';
import { dayDirs, readKind, readLedger } from './ledger.js';

const LABEL = 'sim-binance';

function expectCleanRecording(dataDir: string, stopReason: string): void {
  for (const symbolFs of ['BTCUSDT', 'ETHUSDT']) {
    const ledger = readLedger(dataDir, LABEL, symbolFs);
    expect(ledger[0].kind).toBe('run_start');
    const last = ledger[ledger.length - 1];
    expect(last.kind).toBe('run_stop');
    expect(last.detail).toContain(stopReason);
    expect(ledger.some((l) => l.kind === 'connect')).toBe(true);
    expect(ledger.some((l) => l.kind === 'subscribe' && l.detail.includes('depth@100ms'))).toBe(true);
    const snapshots = ledger.filter((l) => l.kind === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snap of snapshots) {
      const file = /file=(\S+)/.exec(snap.detail)?.[1];
      expect(file).toBe(`snapshots/snapshot_${snap.eventId}_rest.json`);
      const day = dayDirs(dataDir, LABEL, symbolFs)[0];
      expect(JSON.parse(readFileSync(join(day, file!), 'utf8')).lastUpdateId).toBeTypeOf('number');
    }
    expect(ledger.some((l) => l.state === 'SYNCED')).toBe(true);
    const ids = ledger.map((l) => l.eventId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(readKind(dataDir, LABEL, symbolFs, 'book').rows.length).toBeGreaterThan(0);
    expect(readKind(dataDir, LABEL, symbolFs, 'trades').rows.length).toBeGreaterThan(0);
  }
}

describe('record --sim stops cleanly', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('on %s, with every file flushed and readable', async (signal) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-sig-'));
    const { child, done } = startCli(['record', '--sim', '--data-dir', dataDir, '--no-status', '--log-level', 'warn', '--simulator-diff-interval-ms', '20']);
    await new Promise((r) => setTimeout(r, 2500));
    child.kill(signal);
    const r = await done;
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expectCleanRecording(dataDir, signal);
  });

  it('when one Ctrl-C arrives twice (terminal + npm forwarding it), still flushing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-sig2-'));
    const { child, done } = startCli(['record', '--sim', '--data-dir', dataDir, '--no-status', '--log-level', 'warn', '--simulator-diff-interval-ms', '20']);
    await new Promise((r) => setTimeout(r, 2500));
    // the terminal signals the process group and npm forwards the same Ctrl-C a moment later
    child.kill('SIGINT');
    await new Promise((r) => setImmediate(r));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expectCleanRecording(dataDir, 'SIGINT');
  });

  it('after --duration', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-dur-'));
    const r = await runCli(['record', '--sim', '--data-dir', dataDir, '--duration', '2s', '--no-status', '--log-level', 'warn', '--simulator-diff-interval-ms', '20']);
    expect(r.code, r.stderr).toBe(0);
    expectCleanRecording(dataDir, 'duration');
  });
});
