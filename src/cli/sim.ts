// marketfeed sim: run the simulated exchange (Binance spot / USD-M futures, Kraken v2, OKX v5 or
// Bitfinex v2 wire protocols) on a local port until Ctrl-C / SIGTERM, e.g. to point
// `marketfeed record --ws-url … --rest-url …` at it.
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseFaults, parseFollow, startSim } from '../sim/index.js';
import { FAULT_SCOPES, parseRandomFaults, type FaultScope } from '../sim/fault-schedule.js';
import { writeTruthDump } from '../sim/truth-dump.js';
import type { SimVenue } from '../sim/instruments.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, onStopSignal } from './exit.js';

function intIn(lo: number, hi: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < lo || n > hi) throw new InvalidArgumentError(`want an integer from ${lo} to ${hi}`);
    return n;
  };
}

function positive(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('want a number of milliseconds > 0');
  return n;
}

/** Read per venue by startSim (`BTC/USD`, `BTCUSDT`, `BTC-USDT-SWAP`, `tBTCUSD`): a bad one is a usage error there. */
function symbolList(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError('want at least one symbol');
  return list;
}

const VENUES: SimVenue[] = ['binance', 'binance-futures', 'kraken', 'okx', 'bitfinex', 'bingx', 'bingx-swap', 'mexc', 'mexc-futures', 'bybit', 'bybit-linear', 'coinbase', 'kucoin', 'kucoin-futures'];
const DEFAULT_SYMBOLS: Record<SimVenue, string[]> = {
  binance: ['BTC/USDT', 'ETH/USDT'], 'binance-futures': ['BTC/USDT', 'ETH/USDT'], kraken: ['BTC/USD', 'ETH/USD'],
  okx: ['BTC/USDT', 'ETH/USDT'], bitfinex: ['BTC/USD', 'ETH/USD'],
  bingx: ['BTC/USDT', 'ETH/USDT'], 'bingx-swap': ['BTC/USDT:USDT', 'ETH/USDT:USDT'],
  mexc: ['BTC/USDT', 'ETH/USDT'], 'mexc-futures': ['BTC/USDT:USDT', 'ETH/USDT:USDT'],
  bybit: ['BTC/USDT', 'ETH/USDT'], 'bybit-linear': ['BTC/USDT:USDT', 'ETH/USDT:USDT'],
  coinbase: ['BTC/USD', 'ETH/USD'],
  kucoin: ['BTC/USDT', 'ETH/USDT'], 'kucoin-futures': ['BTC/USDT:USDT', 'ETH/USDT:USDT'],
};

/** A commander parser from a parse function that throws: its message becomes the usage error. */
function checkedBy(parse: (text: string) => unknown) {
  return (text: string): string => {
    try {
      parse(text);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
    return text;
  };
}

const faultList = checkedBy((text) => parseRandomFaults(text) ?? parseFaults(text));
/** Syntax only: whether the names are simulated symbols is startSim's to say (a usage error too). */
const followList = checkedBy(parseFollow);

/** A --truth-out whose folder cannot take it is a usage error at start, not a loss at the end. */
function writableDirOf(file: string): void {
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new Error(`--truth-out ${file}: folder ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

interface SimFlags {
  port: number;
  host: string;
  venue: SimVenue;
  symbols?: string[];
  seed: number;
  diffIntervalMs: number;
  levels: number;
  faults?: string;
  faultSeed?: number;
  faultScope: FaultScope;
  follow?: string;
  truthOut?: string;
  truthHistory: number;
  truthDepth: number;
}

export const simCommand = new Command('sim')
  .description('Run a simulated exchange speaking the Binance spot / USD-M futures, Kraken v2, OKX v5 or Bitfinex v2 protocols, with faults')
  .option('--port <n>', 'port for REST and websocket (0 = any free port)', intIn(0, 65535), 9443)
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .addOption(new Option('--venue <id>', 'protocol to speak').choices(VENUES).default('binance'))
  .option('--symbols <list>', 'comma-separated symbols (BTC/USDT, BTC/USDT:USDT or the venue id); default BTC and ETH', symbolList)
  .option('--seed <n>', 'seed of the market model', intIn(0, 2 ** 32 - 1), 1)
  .option('--diff-interval-ms <ms>', 'depth diff cadence', positive, 100)
  .option('--levels <n>', 'book levels per side', intIn(1000, 100_000), 1000)
  .option('--faults <list>', 'e.g. disconnect=20s,gap=7s,malformed=3s,stall=30s,slowsnapshot=10s,stalesnapshot=15s,maxsession=60s,ratelimit=25s,shutdown=40s (corrupt=5s on kraken/okx/bitfinex); or random / random=3s: every kind the venue models, in a seeded random order about that far apart', faultList)
  .option('--fault-seed <n>', 'seed of --faults random (default: --seed)', intIn(0, 2 ** 32 - 1))
  .addOption(new Option('--fault-scope <scope>', '--faults random: venue = each fault as the kind is; line = socket faults (drops, malformed, shutdown, session end, and gap/corrupt/stall where modelled) hit one connection each, for a redundant A/B recorder').choices(FAULT_SCOPES).default('venue'))
  .option('--follow <list>', 'symbols whose price follows another\'s: FOLLOWER=LEADER:RHO,… e.g. ETH/USDT=BTC/USDT:0.8 (correlation of returns)', followList)
  .option('--truth-out <file>', 'on stop, write the ground truth (top of book after every update) and the injected faults to this gzip NDJSON file')
  .option('--truth-history <n>', 'updates of ground truth kept per symbol', intIn(0, 10_000_000), 1000)
  .option('--truth-depth <n>', 'levels per side kept in the ground truth', intIn(1, 1000), 50)
  .action(async (flags: SimFlags) => {
    const stop = onStopSignal();
    try {
      if (flags.truthOut !== undefined) writableDirOf(flags.truthOut);
      const sim = await startSim({
        venue: flags.venue, host: flags.host, port: flags.port, symbols: flags.symbols ?? DEFAULT_SYMBOLS[flags.venue], seed: flags.seed,
        diffIntervalMs: flags.diffIntervalMs, levels: flags.levels, faults: flags.faults, faultSeed: flags.faultSeed, faultScope: flags.faultScope, follow: flags.follow,
        // ground truth is for in-process tests and --truth-out; a standalone sim keeps little by default
        truthHistory: flags.truthHistory, truthDepth: flags.truthDepth,
      });
      process.stdout.write(
        `marketfeed sim (${sim.venue}) ${sim.venueSymbols.join(',')}\n  REST ${sim.restUrl}\n  WS   ${sim.wsUrl}\n` +
          `  faults ${flags.faults ?? 'none'}\n` + (flags.follow ? `  follow ${flags.follow}\n` : ''),
      );
      const signal = await stop.promise;
      await sim.stop();
      if (flags.truthOut !== undefined) await writeTruthDump(sim, flags.truthOut);
      const s = sim.stats();
      process.stdout.write(`marketfeed sim stopped on ${signal}: ${s.framesSent} frames sent, faults ${JSON.stringify(s.faultsInjected)}\n`);
      process.exitCode = EXIT_OK;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(`marketfeed sim: ${err.message}\n`);
      process.exitCode = err.code === 'EADDRINUSE' || err.code === 'EACCES' ? EXIT_FAILED : EXIT_USAGE;
    } finally {
      stop.dispose();
    }
  });
