// marketfeed up -f: children started, a crashed one restarted with backoff, a finished one left
// done, and all of them stopped cleanly on SIGINT (the recorder's ledger ends with run_stop).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './cli.js';
import { readLedger } from './ledger.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function waitFor(read: () => string, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = read().match(re);
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}; output so far:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('marketfeed up', () => {
  it('runs the children, restarts a crashed one with backoff, and stops all on SIGINT', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mf-up-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    const file = join(d, 'marketfeed.deploy.yaml');
    writeFileSync(file, `
processes:
  - name: rec
    args: [record, --sim, --symbols, BTC/USDT, --data-dir, "${join(d, 'a')}", --log-level, warn]
  - name: once
    args: [record, --sim, --symbols, BTC/USDT, --data-dir, "${join(d, 'b')}", --duration, 1s, --log-level, warn]
  - name: bad
    args: [record, --venue, nosuch]
restart:
  backoff: 200ms
  max_backoff: 1s
`);
    const up = startCli(['up', '-f', file]);
    // a failing test still stops `up`, which stops its children (a SIGKILL would orphan them)
    cleanups.push(() => {
      if (up.child.exitCode === null) up.child.kill('SIGINT');
    });
    let out = '';
    let err = '';
    up.child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    up.child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const pid = Number((await waitFor(() => out, /^up: rec running pid=(\d+) restarts=0$/m))[1]);
    await waitFor(() => out, /^up: once done restarts=0 exit=code0$/m);
    await waitFor(() => out, /^up: bad backoff restarts=[1-9]\d* exit=code2 next=\d/m);
    expect(err).toMatch(/^bad \| marketfeed: MF_ERR_UNKNOWN_VENUE: unknown venue "nosuch"/m);
    await new Promise((r) => setTimeout(r, 2000)); // let the recorder write something
    process.kill(pid, 'SIGKILL');
    await waitFor(() => out, /^up: rec backoff restarts=0 exit=SIGKILL next=0\.2s$/m);
    await waitFor(() => out, /^up: rec running pid=\d+ restarts=1 exit=SIGKILL$/m);
    // SIGINT once the restarted recorder is recording (its run_start is on disk)
    const runStarts = (): number => {
      try {
        return readLedger(join(d, 'a'), 'sim-binance', 'BTCUSDT').filter((x) => x.kind === 'run_start').length;
      } catch {
        return 0;
      }
    };
    await waitFor(() => String(runStarts()), /^2$/);
    up.child.kill('SIGINT');
    const r = await up.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^up: rec stopped restarts=1 exit=code0$/m);
    expect(r.stdout).toMatch(/^up: bad stopped/m);
    const kinds = readLedger(join(d, 'a'), 'sim-binance', 'BTCUSDT').map((x) => x.kind);
    expect(kinds.filter((k) => k === 'run_start')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('run_stop'); // the second run ended cleanly
  });

  it('children stop by themselves, flushing, when up is killed with -9', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mf-up-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    const file = join(d, 'marketfeed.deploy.yaml');
    writeFileSync(file, `processes:\n  - name: rec\n    args: [record, --sim, --symbols, BTC/USDT, --data-dir, "${join(d, 'a')}", --log-level, warn]\n`);
    const up = startCli(['up', '-f', file]);
    let out = '';
    up.child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const pid = Number((await waitFor(() => out, /^up: rec running pid=(\d+) restarts=0$/m))[1]);
    const started = (): string => {
      try {
        return readLedger(join(d, 'a'), 'sim-binance', 'BTCUSDT').some((x) => x.kind === 'run_start') ? 'yes' : 'no';
      } catch {
        return 'no';
      }
    };
    await waitFor(started, /^yes$/);
    up.child.kill('SIGKILL');
    await up.done;
    const alive = (): string => {
      try {
        process.kill(pid, 0);
        return 'alive';
      } catch {
        return 'gone';
      }
    };
    await waitFor(alive, /^gone$/, 20_000);
    expect(readLedger(join(d, 'a'), 'sim-binance', 'BTCUSDT').at(-1)?.kind).toBe('run_stop');
  });

  it('a bad deploy file is one line, exit 2', async () => {
    const r = await runCli(['up', '-f', '/nonexistent/marketfeed.deploy.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^marketfeed: MF_ERR_CONFIG: cannot read deploy file \/nonexistent\/marketfeed\.deploy\.yaml \(ENOENT\)\n$/);
  });
});
