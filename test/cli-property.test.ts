// Generated config values through the built CLI (src/core/config.property.test.ts checks many
// more in process): a value loadConfig refuses makes `marketfeed record` exit 2 with one line on
// stderr and no stack, before anything connects; a valid generated value records from the built-in
// simulator and exits 0. Values are drawn with a fixed seed, so the same runs happen every time.
// In process, the checks record makes between loadConfig and the first connection (venue, symbol
// shapes, shard) get many more generated values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envName, flagName, loadConfig, type ConfigKey } from '../src/core/config.js';
import { isMarketfeedError } from '../src/core/errors.js';
import { parseShard, shardSymbols } from '../src/core/shard.js';
import { symbolDirName } from '../src/storage/layout.js';
import { VENUE_IDS, getVenue } from '../src/venues/index.js';
import { runCli } from './cli.js';

/** A fixed seed (fast-check prints it with any failure); FC_SEED=<n> to explore elsewhere. */
const SEED = Number(process.env.FC_SEED ?? 20261207);

const dataDir = mkdtempSync(join(tmpdir(), 'mf-cli-prop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Nothing listens there: a run that got past its config would fail to connect, not exit 2 from config. */
const base = ['record', '--data-dir', dataDir, '--ws-url', 'ws://127.0.0.1:9', '--rest-url', 'http://127.0.0.1:9', '--duration', '2s', '--no-status'];

const TEXTS = ['', ' ', '-1', '1.5', '1e400', 'NaN', 'Infinity', '0x10', 'maybe', '5x', '-5s', '2400', 'Mars/Olympus', 'LOUD', ',,,', '0/0', 'line\nbreak', '💥'];
const textArb = fc.oneof(fc.constantFrom(...TEXTS), fc.string({ minLength: 1, maxLength: 12 }).filter((t) => !t.includes('\u0000')));
const nonBool = CONFIG_KEYS.filter((k) => k.kind !== 'bool' && k.kind !== 'string');

/** The first `n` generated (key, text) pairs that loadConfig refuses from `source`. */
function refused(n: number, source: 'flag' | 'env', seed: number): [ConfigKey, string][] {
  const out: [ConfigKey, string][] = [];
  for (const [k, text] of fc.sample(fc.tuple(fc.constantFrom(...nonBool), textArb), { numRuns: 500, seed })) {
    const input = source === 'flag' ? { flags: { [k.path]: text }, env: {} } : { env: { [envName(k.path)]: text } };
    try {
      loadConfig({ ...input, cwd: dataDir });
    } catch {
      out.push([k, text]);
      if (out.length === n) break;
    }
  }
  return out;
}

/** Passes, or throws what the CLI prints as one line and exit 2 (cli/exit.ts reportFatal). */
function passesOrRefusesInOneLine(check: () => void, what: string): boolean {
  try {
    check();
    return true;
  } catch (e) {
    expect(isMarketfeedError(e), `${what}: not a MarketfeedError: ${(e as Error)?.stack ?? String(e)}`).toBe(true);
    expect((e as Error & { recovery: string }).recovery, what).toBe('fatal');
    expect((e as Error).message, what).not.toMatch(/[\n\r]/);
    return false;
  }
}

function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split('\n');
  expect(lines.length, stderr).toBe(1);
  expect(lines[0].length).toBeGreaterThan(0);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/ {4}at /);
  for (const p of parts) expect(stderr).toContain(p);
}

// What record checks after loadConfig and before anything opens (cli/record.ts recordedVenue,
// shardOf, the symbol's folder name), in process: the venue, each symbol's shape, the shard.
describe('any venue, symbol list and shard is taken or refused with one line before any I/O', () => {
  const symbolArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT', 'ETH/BTC', 'XBT/USD', 'BTC/USD') },
    { weight: 2, arbitrary: fc.constantFrom('BTC-USDT', 'BTCUSDT', '../../etc', '../x/y', 'a/b/c', '/', ' / ', 'BTC/', '/USDT', 'BTC/USDT:', '💥/🚀', 'btc/usdt', 'A'.repeat(300) + '/B', 'BTC/US\nDT', 'BTC\n/USDT', 'B\u0000/U', '*/*', 'CON/NUL') },
    { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ minLength: 1, maxLength: 6 })).map(([a, b]) => `${a}/${b}`) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  );
  const venueArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...VENUE_IDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const shardArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('', '1/2', '2/2', '1/1') },
    { weight: 1, arbitrary: fc.constantFrom('0/1', '3/2', '1/0', '01/02', '1/99999', ' 1/2 ', '1/2\n', '-1/2') },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
  it('venue ids, symbols and shards', () => {
    let taken = 0;
    fc.assert(
      fc.property(venueArb, fc.array(symbolArb, { minLength: 1, maxLength: 3 }), shardArb, (venue, symbols, shard) => {
        const ok = passesOrRefusesInOneLine(() => {
          const spec = getVenue(venue);
          for (const s of symbols) {
            spec.toVenueSymbol(s);
            symbolDirName(s);
          }
          shardSymbols(symbols, parseShard(shard));
        }, `venue ${JSON.stringify(venue)} symbols ${JSON.stringify(symbols)} shard ${JSON.stringify(shard)}`);
        if (ok) taken++;
      }),
      { numRuns: 400, seed: SEED },
    );
    expect(taken).toBeGreaterThan(20);
  });
});

describe.concurrent('marketfeed record: generated bad config values exit 2 with one line', () => {
  it.each(refused(2, 'flag', 11).map(([k, t]) => [k.path, t]))('flag %s = %j', async (path, text) => {
    // `--key=value`: a value that starts with a dash stays the value
    const r = await runCli([...base, `--${flagName(path)}=${text}`]);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_CONFIG', path.startsWith('window.') ? 'window.' : path);
  });

  it.each(refused(2, 'env', 12).map(([k, t]) => [envName(k.path), k.path, t]))('env %s (%s) = %j', async (name, path, text) => {
    const r = await runCli(base, { [name]: text });
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_CONFIG', path.startsWith('window.') ? 'window.' : path, name);
  });

  it.each(['depth: !k 5', 'ws:\n  pingIntervalS: [1, 2]'])('config file %j', async (text) => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, text);
    const r = await runCli([...base, '--config', file]);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_CONFIG', file);
  });
});

describe('marketfeed record: a generated valid value records from the simulator and exits 0', () => {
  // keys whose valid values keep a 1-second simulated run quick and local
  const SAFE = new Set(['depth', 'quoteCheck', 'logLevel', 'ws.pingIntervalS', 'storage.flushIntervalS', 'storage.maxRows', 'rest.snapshotLimit']);
  const valid = fc.sample(fc.tuple(fc.constantFrom(...CONFIG_KEYS.filter((k) => SAFE.has(k.path))), fc.oneof(textArb, fc.integer({ min: 0, max: 2000 }).map(String), fc.constantFrom('warn', 'off', 'resync', '0.5'))), { numRuns: 300, seed: 13 })
    .filter(([k, text]) => {
      try {
        loadConfig({ flags: { [k.path]: text }, env: {}, cwd: dataDir });
        return true;
      } catch {
        return false;
      }
    }).slice(0, 1);

  it.each(valid.map(([k, t]) => [k.path, t]))('flag %s = %j', async (path, text) => {
    const r = await runCli(['record', '--sim', '--venue', 'binance', '--symbols', 'BTC/USDT', '--data-dir', join(dataDir, 'sim'), '--duration', '1s', '--no-status', `--${flagName(path)}=${text}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/ {4}at /);
  });
});
