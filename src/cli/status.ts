// marketfeed status: "is this venue healthy from here, right now?" Runs a short live session
// (--duration, default 10 s) against --venue (or the built-in --sim), with the health monitor, live
// candles into ring buffers, indicators and the engines' market-data dict attached, then prints
// the health report: status, error rate, connections, per-stream freshness, book states, the
// latest market-data dict per symbol, bars and buffer memory. `--json` prints it as one JSON
// object. Exit 0, or 1 when the status is at or past --fail-on (default critical); 2 on bad input.
import { Command, Option } from 'commander';
import type { Config } from '../core/config.js';
import { createLogger, type Logger } from '../core/log.js';
import { MarketfeedError } from '../core/errors.js';
import { Feed, type FeedStats } from '../pipeline/feed.js';
import { HealthMonitor, type HealthReport, type HealthStatus } from '../pipeline/health.js';
import { MarketDataMapper, type MarketData } from '../pipeline/market-data.js';
import { LiveCandles } from '../history/live-candles.js';
import { timeframeMs } from '../history/timeframe.js';
import { BarStore } from '../history/ring-buffer.js';
import { IndicatorBook, type IndicatorValues } from '../history/indicators.js';
import { getVenue, VENUE_IDS } from '../venues/index.js';
import type { SimHandle } from '../sim/index.js';
import { startEmbeddedSim } from './embedded-sim.js';
import { ProxyRoute } from '../transport/proxy.js';
import { addConfigOptions, configFromFlags } from './config-flags.js';
import { EXIT_FAILED, EXIT_OK, onStopSignal, reportFatal } from './exit.js';

const DEFAULT_DURATION_MS = 10_000;
const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, critical: 2 };

export interface StatusOptions {
  timeframe: string;
  log: Logger;
  /** Ends the session early (Ctrl-C). */
  stop?: Promise<unknown>;
}

export interface StatusResult {
  venue: string;
  sim: boolean;
  symbols: string[];
  durationS: number;
  health: HealthReport;
  books: FeedStats['symbols'];
  reconnects: number;
  marketData: Record<string, MarketData | null>;
  candles: { timeframe: string; closed: number; synthetic: number; blind: number; indicators: Record<string, IndicatorValues | null> };
}

/** Runs the session and gathers the report (library use: no printing, no exit codes). */
export async function runStatus(cfg: Config, opts: StatusOptions): Promise<StatusResult> {
  const spec = getVenue(cfg.venue);
  for (const s of cfg.symbols) spec.toVenueSymbol(s);
  timeframeMs(opts.timeframe);
  new ProxyRoute(cfg.proxy); // a malformed proxy: one line, before the simulator starts
  let sim: SimHandle | undefined;
  if (cfg.sim) {
    ({ sim, cfg } = await startEmbeddedSim(cfg, spec));
  }
  const health = new HealthMonitor();
  const bars = new BarStore();
  const indicators = new IndicatorBook(bars);
  const market = new MarketDataMapper();
  const candles = new LiveCandles({ timeframes: [opts.timeframe], emit: (c) => {
    bars.onEvent(c);
    health.observe(c);
  } });
  health.addBuffers(bars);
  const feed = new Feed({
    config: cfg, log: opts.log,
    handlers: {
      event: (ev) => {
        health.observe(ev);
        candles.onEvent(ev);
        market.onEvent(ev);
      },
      reject: () => health.handlers.reject(),
    },
  });
  const startedAt = performance.now();
  let live: HealthReport | undefined;
  try {
    await feed.check();
    health.request(true); // the symbol listing answered
    feed.open();
    candles.start();
    const durationMs = cfg.duration > 0 ? cfg.duration : DEFAULT_DURATION_MS;
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((r) => (timer = setTimeout(r, durationMs)));
    await (opts.stop ? Promise.race([elapsed, opts.stop]) : elapsed);
    clearTimeout(timer);
    live = health.report(); // before stopping: connections still open
  } finally {
    candles.stop();
    await feed.stop();
    await sim?.stop();
  }
  const stats = feed.stats();
  const marketData: StatusResult['marketData'] = {};
  const ind: Record<string, IndicatorValues | null> = {};
  for (const symbol of cfg.symbols) {
    marketData[symbol] = market.current(symbol, spec.id) ?? null;
    ind[symbol] = indicators.get({ venue: spec.id, symbol, timeframe: opts.timeframe }) ?? null;
  }
  return {
    venue: spec.id, sim: sim !== undefined, symbols: cfg.symbols, durationS: (performance.now() - startedAt) / 1000,
    health: live ?? health.report(), books: stats.symbols, reconnects: stats.reconnects, marketData,
    candles: { timeframe: opts.timeframe, closed: candles.stats.bars, synthetic: candles.stats.syntheticBars, blind: candles.stats.blindBars, indicators: ind },
  };
}

const num = (x: number | null, digits = 6): string => (x === null ? '—' : String(Number(x.toPrecision(digits))));

/** The report as text lines. */
export function formatStatus(r: StatusResult): string {
  const h = r.health;
  const out: string[] = [];
  out.push(`${r.venue}${r.sim ? ' (simulator)' : ''} ${r.symbols.join(' ')}: ${h.status.toUpperCase()} after ${r.durationS.toFixed(1)} s`);
  for (const reason of h.reasons) out.push(`  why: ${reason}`);
  out.push(`  error rate ${(h.errorRate * 100).toFixed(1)} % over ${h.windowS} s | requests ${h.requests} | failures ${h.failures} ` +
    `(disconnects ${h.counts.disconnects}, rejects ${h.counts.rejects}, gaps ${h.counts.gaps}, rest ${h.counts.restFailed}) | reconnects ${r.reconnects}`);
  out.push(`  connections open ${h.openConnections} | streams active ${h.activeStreams}/${h.streams.length}`);
  for (const s of h.streams) out.push(`    ${s.stream.padEnd(40)} ${String(s.events).padStart(8)} events  ${(s.ageMs / 1000).toFixed(1).padStart(6)} s ago  ${s.freshness}`);
  for (const b of r.books) {
    const proof = b.checksumChecks > 0 ? `checksums ${b.checksumChecks - b.checksumMismatches}/${b.checksumChecks} ok` : `quote checks ${b.quoteChecks - b.quoteMismatches}/${b.quoteChecks} ok`;
    if (b.state !== 'n/a') out.push(`  book ${b.symbol}: ${b.state} (applied ${b.applied}, gaps ${b.gaps}, resyncs ${b.resyncs}, ${proof})`);
  }
  for (const symbol of r.symbols) {
    const d = r.marketData[symbol];
    if (d === null) {
      out.push(`  market ${symbol}: no data`);
      continue;
    }
    out.push(`  market ${symbol}: price ${num(d.price)} spread ${num(d.spread)} vol ${num(d.vol)} funding ${num(d.funding)} oi ${num(d.oi)}`);
    for (const [field, why] of Object.entries(d.missing)) out.push(`    ${field}: ${why}`);
  }
  const c = r.candles;
  out.push(`  candles ${c.timeframe}: ${c.closed} closed (${c.synthetic} without trades, ${c.blind} dropped in outages)`);
  for (const symbol of r.symbols) {
    const v = c.indicators[symbol];
    if (v) out.push(`    ${symbol}: RSI ${num(v.rsi, 4)} ATR ${num(v.atr, 4)} ${Object.entries(v.ema).map(([p, x]) => `EMA${p} ${num(x)}`).join(' ')} (${v.bars} bars)`);
  }
  out.push(`  buffers ${(h.buffers.memoryBytes / 1024).toFixed(1)} KiB in ${h.buffers.limits.length} series (${h.buffers.limits.map((l) => `${l.series} ${l.bars}/${l.capacity}`).join(', ') || 'none'})`);
  return out.join('\n') + '\n';
}

/** Exit code for a status under a --fail-on level. */
export function statusExitCode(status: HealthStatus, failOn: HealthStatus | 'never'): number {
  return failOn !== 'never' && RANK[status] >= RANK[failOn] ? EXIT_FAILED : EXIT_OK;
}

export const statusCommand = addConfigOptions(
  new Command('status').description(`Run a short live session (--duration, default 10s) against a venue or --sim and report its health (venues: ${VENUE_IDS.join(', ')})`),
)
  .option('--timeframe <tf>', 'timeframe of the live candles built during the session', '1s')
  .option('--json', 'print the report as one JSON object')
  .addOption(new Option('--fail-on <status>', 'exit 1 when the status is this bad or worse').choices(['degraded', 'critical', 'never']).default('critical'))
  .action(async (opts: Record<string, unknown>) => {
    const stop = onStopSignal();
    try {
      const cfg = configFromFlags(opts);
      const r = await runStatus(cfg, { timeframe: opts.timeframe as string, log: createLogger(cfg.logLevel), stop: stop.promise });
      process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : formatStatus(r));
      process.exitCode = statusExitCode(r.health.status, opts.failOn as HealthStatus | 'never');
    } catch (e) {
      process.exitCode = reportFatal(e);
    } finally {
      stop.dispose();
    }
  });
