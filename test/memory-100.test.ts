// Memory with 100 symbols (issue 10, goal 2): the simulator in its own process, `record` of 100
// Binance symbols with every output on for two minutes; the recorder's RSS, read from /proc every
// 5 s, stays under a budget. The budget is generous (the goal, and bench/memory.bench.mjs's
// figure on a quiet machine, are well below it) so that it catches a leak or an unbounded buffer,
// not a busy CI machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliResult } from './cli.js';
import { manySymbols, startSimCli } from './sim-cli.js';

const SYMBOLS = manySymbols(100);
// bench/memory.bench.mjs 100 130 at load average 2–5: 217–228 MiB, flat (227–246 before the
// gzip writer stopped churning buffers); at load average 10–15 it has measured 270–330 (a slow
// start leaves a larger backlog), so the budget stays where it was.
const BUDGET_MIB = 320;
const SECONDS = 120;

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // exited between two samples
  }
}

describe(`record: 100 symbols for ${SECONDS} s stay under ${BUDGET_MIB} MiB`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-memory-100-'));
  let sim: Awaited<ReturnType<typeof startSimCli>> | undefined;
  const samples: { s: number; mib: number }[] = [];
  let closed: CliResult;

  beforeAll(async () => {
    sim = await startSimCli(SYMBOLS, 5);
    const t0 = Date.now();
    const { child, done } = startCli([
      'record', '--venue', 'binance', '--symbols', SYMBOLS.join(','), '--ws-url', sim.ws, '--rest-url', sim.rest,
      '--data-dir', dataDir, '--duration', `${SECONDS}s`, '--no-status', '--log-level', 'warn',
    ]);
    const timer = setInterval(() => {
      const mib = rssMiB(child.pid!);
      if (mib !== undefined) samples.push({ s: Math.round((Date.now() - t0) / 1000), mib: Math.round(mib) });
    }, 5000);
    closed = await done;
    clearInterval(timer);
  }, (SECONDS + 90) * 1000);

  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('recorded the whole time and stopped cleanly', () => {
    expect(closed.code, closed.stderr).toBe(0);
    expect(samples.length).toBeGreaterThanOrEqual(SECONDS / 5 - 2);
  });

  it(`kept its RSS under ${BUDGET_MIB} MiB at every sample`, () => {
    const over = samples.filter((x) => x.mib > BUDGET_MIB);
    expect(over, `RSS samples (s: MiB): ${samples.map((x) => `${x.s}: ${x.mib}`).join(', ')}`).toEqual([]);
  });
});
