// One chaos soak from the built CLI (dist/): per venue a `marketfeed sim` process with every fault
// on a seeded random schedule and a `marketfeed record` process against it, all in one data dir;
// the recorders' RSS and event-loop lag p99 scraped from their Prometheus endpoint while they run;
// then the checks of checks.mjs, `validate` of every day and a replay of a sample day. With
// `redundant` ≥ 2 (record --redundant N) the simulators aim every socket fault at one connection
// (`--fault-scope line`), so the recorder's other line must cover it: any gap in a ledger fails.
// Used by scripts/soak.mjs (`npm run soak`) and test/soak.test.ts.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFiles, checkVenue, dayDirs, kindText, ledgerGapsOfDay, symbolFsOf, validateProblems } from './checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(root, 'dist', 'cli', 'main.js');
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MiB = 1024 * 1024;

/** SAA/USDT, SAB/USDT, …: n made-up symbols every simulator mode lists. */
export function soakSymbols(n) {
  return Array.from({ length: n }, (_, i) => `S${LETTERS[Math.floor(i / 26) % 26]}${LETTERS[i % 26]}/USDT`);
}

/** How the simulator names a unified `XXX/USDT` symbol (its truth dump is keyed so). */
const VENUE_SYMBOL = {
  binance: (s) => s.replace('/', ''),
  okx: (s) => s.replace('/', '-'),
};

/**
 * @param {object} o
 * @param {number} o.minutes        how long the recorders run
 * @param {number} [o.symbols=20]   symbols in all, split over the venues
 * @param {string[]} [o.venues]     simulator modes recorded (default binance and okx)
 * @param {number} [o.seed=1]       market and fault seeds derive from it
 * @param {number} [o.faultEveryMs=3000]  mean time between two faults, per venue
 * @param {number} [o.redundant]    passed to record as --redundant N
 * @param {number} [o.depth=10]
 * @param {number} [o.sampleEveryS=10]   Prometheus scrape period
 * @param {number} [o.maxLagMs=250]      event-loop lag p99 allowed (Infinity: reported only)
 * @param {string} [o.workDir]      kept when given; else a temp dir removed after a passing run
 * @param {(line: string) => void} [o.progress]
 */
export async function runSoak(o) {
  const venues = o.venues ?? ['binance', 'okx'];
  for (const v of venues) if (!(v in VENUE_SYMBOL)) throw new Error(`soak: venue ${JSON.stringify(v)} is not one the soak knows (${Object.keys(VENUE_SYMBOL).join(', ')})`);
  const total = o.symbols ?? 20;
  const depth = o.depth ?? 10;
  const seed = o.seed ?? 1;
  const faultEveryMs = o.faultEveryMs ?? 3000;
  const sampleEveryS = o.sampleEveryS ?? 10;
  const maxLagMs = o.maxLagMs ?? 250;
  const progress = o.progress ?? (() => {});
  const diffIntervalMs = 100;
  const work = o.workDir ?? mkdtempSync(join(tmpdir(), 'mf-soak-'));
  mkdirSync(work, { recursive: true });
  const dataDir = join(work, 'data');
  const names = soakSymbols(total);
  const plan = venues.map((venue, i) => ({
    venue,
    symbols: names.filter((_, j) => j % venues.length === i),
    truthPath: join(work, `truth-${venue}.ndjson.gz`),
  }));
  const seconds = Math.round(o.minutes * 60);
  // truth for the whole run: one entry per diff frame and symbol, with room to spare
  const truthHistory = Math.ceil((seconds * 1000) / diffIntervalMs * 1.25) + 1000;

  // redundant A/B lines: faults of one line each, which the other line must cover (no gap)
  const scope = (o.redundant ?? 1) >= 2 ? 'line' : 'venue';
  const sims = [];
  const recorders = [];
  try {
    for (const [i, p] of plan.entries()) {
      const sim = await startSim([
        '--venue', p.venue, '--symbols', p.symbols.join(','), '--seed', String(seed + i), '--diff-interval-ms', String(diffIntervalMs),
        '--faults', `random=${faultEveryMs}ms`, '--fault-seed', String(seed * 1000 + i), '--truth-out', p.truthPath,
        '--truth-history', String(truthHistory), '--truth-depth', String(depth),
        '--fault-scope', scope,
      ], join(work, `sim-${p.venue}.log`));
      sims.push(sim);
      progress(`sim ${p.venue}: ${p.symbols.length} symbols, faults random every ~${faultEveryMs} ms (${scope === 'line' ? 'one line each' : 'as each kind is'}), REST ${sim.rest}`);
    }
    for (const [i, p] of plan.entries()) {
      const args = [
        'record', '--venue', p.venue, '--symbols', p.symbols.join(','), '--ws-url', sims[i].ws, '--rest-url', sims[i].rest,
        '--data-dir', dataDir, '--duration', `${seconds}s`, '--depth', String(depth), '--no-status', '--log-level', 'warn',
        '--serve', '--serve-port', '0', '--metrics-port', '0',
        '--ws-no-data-timeout-s', '5', '--ws-no-data-warn-s', '2', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
        '--rest-timeout-s', '10',
      ];
      if (o.redundant !== undefined) args.push('--redundant', String(o.redundant));
      recorders.push(await startRecorder(p.venue, args, join(work, `record-${p.venue}.log`)));
      progress(`record ${p.venue}: pid ${recorders[i].child.pid}, metrics ${recorders[i].metricsUrl ?? '(none)'}`);
    }

    // --- while they run: RSS and event-loop lag p99 of each recorder
    const samples = recorders.map(() => []);
    const t0 = Date.now();
    const sampler = setInterval(() => {
      for (const [i, r] of recorders.entries()) {
        if (r.metricsUrl === undefined || r.exited) continue;
        void scrape(r.metricsUrl).then((m) => {
          if (m) samples[i].push({ atS: (Date.now() - t0) / 1000, ...m });
        });
      }
    }, sampleEveryS * 1000);
    let minute = 0;
    const minuteTimer = setInterval(() => {
      minute++;
      const line = recorders.map((r, i) => {
        const last = samples[i][samples[i].length - 1];
        return `${r.venue} ${last ? `RSS ${(last.rss / MiB).toFixed(0)} MiB, lag p99 of the last ${sampleEveryS} s ${last.lagP99Ms.toFixed(1)} ms` : 'no sample'}`;
      }).join('; ');
      progress(`minute ${minute}: ${line}`);
    }, 60_000);
    const results = await Promise.all(recorders.map((r) => r.done));
    clearInterval(sampler);
    clearInterval(minuteTimer);
    const stops = await Promise.all(sims.map((s) => s.stop()));

    // --- checks
    progress('checking …');
    const report = { minutes: o.minutes, symbols: total, venues: [], redundant: o.redundant, dataDir, work, checks: [] };
    const check = (name, ok, detail) => report.checks.push({ name, ok, detail });
    for (const [i, p] of plan.entries()) {
      const r = results[i];
      check(`${p.venue}: recorder exits 0`, r.code === 0, r.code === 0 ? 'exit 0' : `exit ${r.code ?? r.signal}: ${whyFailed(r.stderr)} (log: ${join(work, `record-${p.venue}.log`)})`);
      check(`${p.venue}: simulator wrote its truth`, stops[i].code === 0 && existsSync(p.truthPath), `exit ${stops[i].code}`);
      if (!existsSync(p.truthPath)) continue;
      const v = await checkVenue({
        dataDir, label: p.venue, truthPath: p.truthPath, depth, symbols: p.symbols.map((s) => [VENUE_SYMBOL[p.venue](s), symbolFsOf(s)]),
      });
      const memory = memoryFigures(samples[i]);
      report.venues.push({ venue: p.venue, symbols: p.symbols.length, faults: v.injectedFaults, book: v.book, gaps: v.gaps, trades: v.trades, memory });
      check(`${p.venue}: book rows equal the ground truth`, v.book.ok,
        `${v.book.checked} rows checked, ${v.book.mismatches} differ (${v.book.rows} rows, ${v.book.noTruth} keys without truth)${exampleText(v.book.examples)}`);
      check(`${p.venue}: injected gaps found`, v.gaps.ok,
        `${v.gaps.injected} injected, ${v.gaps.found} found, ${v.gaps.unseen} while the book was not synced, ${v.gaps.missed} missed; ${v.gaps.ledgerGaps} gaps in the ledger${v.connFaults ? `; ${v.connFaults} skipped updates and stalls of one socket alone` : ''}${exampleText(v.gaps.examples)}`);
      check(`${p.venue}: no trade missing`, v.trades.ok,
        `${v.trades.recorded} recorded, ${v.trades.missingWhileUp} missing while connected, ${v.trades.duplicates} duplicates; ${v.trades.lostInOutages} sent while the line was down${exampleText(v.trades.examples)}`);
      const heapText = memory.heapGrowthMiB === undefined
        ? `${memory.heapAfterGcMiB.length} full collections after it (fewer than 3: trend not judged)`
        : `${memory.heapGrowthMiB >= 0 ? '+' : ''}${memory.heapGrowthMiB.toFixed(1)} MiB trend over ${memory.heapAfterGcMiB.length} full collections (limit ${HEAP_GROWTH_MAX_MIB})`;
      check(`${p.venue}: recorder memory flat`, memory.flat,
        `after a ${memory.warmUpS.toFixed(0)} s warm-up, RSS peak ${memory.rssPeaksMiB.map((x) => x.toFixed(0)).join(' then ')} MiB in the two halves (limit +${RSS_GROWTH_MAX_MIB}); ` +
        `live heap ${heapText}; RSS per minute ${memory.perMinuteMiB.map((x) => x.toFixed(0)).join(', ')} MiB (${memory.samples} samples)`);
      check(`${p.venue}: event-loop lag p99`, memory.samples > 0 && memory.lagP99MaxMs <= maxLagMs,
        `per minute ${memory.lagPerMinuteMs.map((x) => x.toFixed(1)).join(', ')} ms, max ${memory.lagP99MaxMs.toFixed(1)} ms${Number.isFinite(maxLagMs) ? ` (limit ${maxLagMs})` : ''}`);
    }
    const files = checkFiles(dataDir);
    check('every file is whole gzip', files.ok, `${files.gz} .gz of ${files.files} files${exampleText(files.bad)}`);
    const validated = await validateAll(plan, dataDir);
    check('validate finds nothing but the injected faults', validated.problems.length === 0,
      `${validated.days} days validated, ${validated.updatesVerified} updates verified${exampleText(validated.problems)}`);
    for (const p of plan) {
      const r = await replaySample(p.venue, symbolFsOf(p.symbols[0]), p.symbols[0], dataDir, join(work, `replay-${p.venue}`));
      check(`${p.venue}: replay of ${p.symbols[0]} ${r.day} byte for byte`, r.ok, r.detail);
    }
    report.ok = report.checks.every((c) => c.ok);
    if (report.ok && o.workDir === undefined) rmSync(work, { recursive: true, force: true });
    return report;
  } finally {
    for (const r of recorders) if (!r.exited) r.child.kill('SIGKILL');
    for (const s of sims) if (!s.exited) s.child.kill('SIGKILL');
  }
}

/** The line of a failed child's stderr that says what went wrong (a stack's message line, else the last). */
const whyFailed = (text) => {
  const lines = text.trim().split('\n');
  return lines.find((l) => /^\w*Error\b|^marketfeed\b|MF_ERR_/.test(l)) ?? lines[lines.length - 1];
};
const exampleText = (list) => (list.length > 0 ? `\n      ${list.slice(0, 3).join('\n      ')}` : '');

/** A child process of the CLI, with its output kept (and its stderr copied to `logPath`, when given). */
function startChild(args, logPath) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const h = { child, stdout: '', stderr: '', exited: false };
  const log = logPath === undefined ? undefined : createWriteStream(logPath);
  child.stdout.on('data', (d) => (h.stdout += d));
  child.stderr.on('data', (d) => {
    log?.write(d);
    h.stderr += d;
    if (h.stderr.length > 1_000_000) h.stderr = h.stderr.slice(-500_000); // warn logs of a long run
  });
  child.on('close', () => log?.end());
  h.done = new Promise((resolve) => child.on('close', (code, signal) => {
    h.exited = true;
    resolve({ code, signal, stdout: h.stdout, stderr: h.stderr });
  }));
  return h;
}

/** Resolves with the first match of `re` in the child's stdout, or rejects when it exits first. */
function waitFor(h, re, what) {
  return new Promise((resolve, reject) => {
    const look = () => {
      const m = re.exec(h.stdout);
      if (m) {
        h.child.stdout.off('data', look);
        resolve(m);
      }
    };
    h.child.stdout.on('data', look);
    look();
    void h.done.then((r) => reject(new Error(`${what} exited ${r.code} before it was ready: ${whyFailed(r.stderr)}`)));
  });
}

async function startSim(args, logPath) {
  const h = startChild(['sim', '--port', '0', ...args], logPath);
  const m = await waitFor(h, /REST (http:\/\/\S+)\s+WS\s+(ws:\/\/\S+)/, 'marketfeed sim');
  // SIGINT: the simulator stops, writes --truth-out and exits
  return Object.assign(h, { rest: m[1], ws: m[2], stop: () => (h.exited || h.child.kill('SIGINT'), h.done) });
}

async function startRecorder(venue, args, logPath) {
  const h = startChild(args, logPath);
  let metricsUrl;
  try {
    const m = await waitFor(h, /serving (http:\/\/\S+?)\/? /, `marketfeed record --venue ${venue}`);
    metricsUrl = `${m[1]}/metrics`;
  } catch {
    // exited at once (a flag it does not know, …): reported with its exit code by the checks
  }
  return Object.assign(h, { venue, metricsUrl });
}

/** RSS and event-loop lag p99 from one Prometheus scrape (prom-client resets the lag histogram on each). */
async function scrape(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const num = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const rss = num('marketfeed_process_resident_memory_bytes');
    const lag = num('marketfeed_nodejs_eventloop_lag_p99_seconds');
    const heap = num('marketfeed_heap_after_gc_bytes');
    return Number.isFinite(rss) && Number.isFinite(lag) ? { rss, lagP99Ms: lag * 1000, heapAfterGc: Number.isFinite(heap) ? heap : 0 } : undefined;
  } catch {
    return undefined; // the recorder is stopping; the next scrape will tell
  }
}

/** How far RSS may peak above its peak of the first half (after the warm-up) in the second half, MiB (issue 10: < 20 MiB over 30 minutes). */
export const RSS_GROWTH_MAX_MIB = 20;
/** How much the live heap (after a full collection) may grow over the run after the warm-up, MiB. */
export const HEAP_GROWTH_MAX_MIB = 10;

/** The Theil-Sen slope of [x, y] points: the median of the slopes between every two (a sawtooth does not tilt it). */
function theilSen(points) {
  const slopes = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) if (points[j][0] > points[i][0]) slopes.push((points[j][1] - points[i][1]) / (points[j][0] - points[i][0]));
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const h = slopes.length >> 1;
  return slopes.length % 2 === 1 ? slopes[h] : (slopes[h - 1] + slopes[h]) / 2;
}

/**
 * RSS at the end of each minute and the worst lag p99 of each minute, and whether memory is flat.
 * V8 resizes its young generation and its old-space headroom as it goes, so RSS saws up and down by
 * 20-40 MiB over minutes whatever the program keeps (30-minute soak, 2026-12-07: OKX 117 → 163 →
 * 125 → 162 MiB), and neither one minute against another nor a fitted slope tells a leak from
 * that. So, after a warm-up (books, buffers, gzip states and the relay's bounded rings fill: the
 * first 2 minutes, or the first 40 % of a shorter run), two things are held:
 * - RSS stays in its band: its peak in the second half is at most RSS_GROWTH_MAX_MIB above its peak
 *   in the first half;
 * - the live heap (marketfeed_heap_after_gc_bytes, read after each full collection) does not grow:
 *   its Theil-Sen trend over the run stays under HEAP_GROWTH_MAX_MIB (with fewer than 3 full
 *   collections, as in a short run, it is reported only).
 */
export function memoryFigures(samples) {
  const perMinute = new Map();
  const lagPerMinute = new Map();
  for (const s of samples) {
    const m = Math.ceil(s.atS / 60 - 1e-9);
    perMinute.set(m, s.rss);
    lagPerMinute.set(m, Math.max(lagPerMinute.get(m) ?? 0, s.lagP99Ms));
  }
  const perMinuteMiB = [...perMinute.values()].map((b) => b / MiB);
  const lastS = samples.length > 0 ? samples[samples.length - 1].atS : 0;
  const warmUpS = Math.min(120, 0.4 * lastS);
  const after = samples.filter((s) => s.atS >= warmUpS);
  const midS = (warmUpS + lastS) / 2;
  const peak = (xs) => (xs.length === 0 ? NaN : Math.max(...xs.map((s) => s.rss / MiB)));
  const rssPeaksMiB = [peak(after.filter((s) => s.atS < midS)), peak(after.filter((s) => s.atS >= midS))];
  const rssFlat = rssPeaksMiB.every(Number.isFinite) && rssPeaksMiB[1] - rssPeaksMiB[0] <= RSS_GROWTH_MAX_MIB;
  // one point per full collection seen (the gauge holds its value between them)
  const heap = [];
  for (const s of after) if ((s.heapAfterGc ?? 0) > 0 && (heap.length === 0 || heap[heap.length - 1][1] !== s.heapAfterGc / MiB)) heap.push([s.atS, s.heapAfterGc / MiB]);
  const heapSpanS = heap.length > 1 ? heap[heap.length - 1][0] - heap[0][0] : 0;
  const heapGrowthMiB = heap.length >= 3 ? theilSen(heap) * heapSpanS : undefined;
  const heapFlat = heapGrowthMiB === undefined || heapGrowthMiB < HEAP_GROWTH_MAX_MIB;
  const lagPerMinuteMs = [...lagPerMinute.values()];
  return {
    samples: samples.length, perMinuteMiB, flat: rssFlat && heapFlat, warmUpS, rssPeaksMiB,
    heapAfterGcMiB: heap.map((h) => h[1]), heapGrowthMiB, lagPerMinuteMs, lagP99MaxMs: Math.max(0, ...lagPerMinuteMs),
  };
}

/** `validate` of every recorded day (two at a time), each held to validateProblems. */
async function validateAll(plan, dataDir) {
  const jobs = [];
  for (const p of plan) for (const s of p.symbols) for (const d of dayDirs(dataDir, p.venue, symbolFsOf(s))) jobs.push({ d, fs: symbolFsOf(s) });
  const out = { days: 0, updatesVerified: 0, problems: [] };
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const r = await startChild(['validate', '--day-dir', job.d, '--format', 'json']).done;
      let report;
      try {
        report = JSON.parse(r.stdout);
      } catch {
        out.problems.push(`${job.d}: validate exited ${r.code}: ${whyFailed(r.stderr)}`);
        continue;
      }
      out.days++;
      out.updatesVerified += report.updatesVerified;
      for (const problem of validateProblems(report, ledgerGapsOfDay(job.d, job.fs))) out.problems.push(`${job.d}: ${problem}`);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** Replays one symbol into record's layout and compares the first day's book and trades text. */
async function replaySample(venue, fs, symbol, dataDir, outDir) {
  const days = dayDirs(dataDir, venue, fs);
  if (days.length === 0) return { ok: false, day: '-', detail: 'nothing recorded' };
  const day = days[0].slice(-8);
  const r = await startChild(['replay', '--data-dir', dataDir, '--venue', venue, '--symbols', symbol, '--out-dir', outDir, '--no-progress']).done;
  if (r.code !== 0) return { ok: false, day, detail: `replay exited ${r.code}: ${whyFailed(r.stderr)}` };
  const diffs = [];
  let bytes = 0;
  for (const kind of ['book', 'trades']) {
    const recorded = kindText(dataDir, venue, fs, kind, [days[0]]);
    const replayed = kindText(outDir, venue, fs, kind, dayDirs(outDir, venue, fs).filter((d) => d.endsWith(day)));
    bytes += recorded.length;
    if (recorded !== replayed || recorded.length === 0) diffs.push(`${kind}: ${recorded.length} bytes recorded, ${replayed.length} replayed, differ`);
  }
  return { ok: diffs.length === 0, day, detail: diffs.length === 0 ? `${bytes} bytes of book and trades identical` : diffs.join('; ') };
}
