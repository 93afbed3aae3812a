import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, defaultConfig, envName, flagName, loadConfig } from './config.js';
import { expectMarketfeedError } from '../../test/expect-error.js';

const expectConfigError = (fn: () => unknown, ...parts: string[]): void => expectMarketfeedError(fn, 'MF_ERR_CONFIG', ...parts);

describe('config', () => {
  it('has safe defaults', () => {
    const c = loadConfig({ env: {}, file: undefined, cwd: mkdtempSync(join(tmpdir(), 'mf-cfg-')) });
    expect(c).toEqual(defaultConfig());
    expect(c.venue).toBe('binance');
    expect(c.depth).toBe(20);
  });

  it('derives env and flag names from key paths', () => {
    expect(envName('ws.pingIntervalS')).toBe('WS_PING_INTERVAL_S');
    expect(envName('ws.reconnectBackoffMaxS')).toBe('WS_RECONNECT_BACKOFF_MAX_S');
    expect(envName('dataDir')).toBe('DATA_DIR');
    expect(flagName('ws.noDataWarnS')).toBe('ws-no-data-warn-s');
    const names = CONFIG_KEYS.flatMap((k) => [envName(k.path), ...(k.env ?? [])]);
    for (const want of ['EXCHANGE', 'SYMBOLS', 'SYMBOL', 'DEPTH_LEVELS', 'WS_PING_INTERVAL_S', 'WS_PING_TIMEOUT_S',
      'WS_RECONNECT_BACKOFF_S', 'WS_RECONNECT_BACKOFF_MAX_S', 'WS_MAX_SESSION_S', 'WS_OPEN_TIMEOUT_S', 'WS_NO_DATA_WARN_S', 'DATA_DIR']) {
      expect(names).toContain(want);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('layers file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-cfg-'));
    const file = join(dir, 'marketfeed.yaml');
    writeFileSync(file, 'venue: binance-futures\nsymbols: [BTC/USDT:USDT]\ndepth: 5\nws:\n  pingIntervalS: 7\n');
    const c = loadConfig({ file, env: { DEPTH_LEVELS: '10', WS_NO_DATA_WARN_S: '3' }, flags: { depth: '12' } });
    expect(c.venue).toBe('binance-futures');
    expect(c.symbols).toEqual(['BTC/USDT:USDT']);
    expect(c.depth).toBe(12);
    expect(c.ws.pingIntervalS).toBe(7);
    expect(c.ws.noDataWarnS).toBe(3);
  });

  it('reads ./marketfeed.yaml from cwd when no file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-cfg-'));
    writeFileSync(join(dir, 'marketfeed.yaml'), 'symbols: ETH/USDT\n');
    expect(loadConfig({ cwd: dir, env: {} }).symbols).toEqual(['ETH/USDT']);
  });

  it('parses env lists, booleans and durations', () => {
    const c = loadConfig({ env: { SYMBOL: 'BTC/USDT, ETH/USDT', SIM: 'yes', DURATION: '2m', EXCHANGE: 'binance' }, cwd: tmpdir() });
    expect(c.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(c.sim).toBe(true);
    expect(c.duration).toBe(120_000);
  });

  it.each([
    [{ env: { WS_PING_INTERVAL_S: 'abc' } }, ['ws.pingIntervalS', '"abc"', 'environment WS_PING_INTERVAL_S', 'a number >= 0']],
    [{ env: { DEPTH_LEVELS: '0' } }, ['depth', 'environment DEPTH_LEVELS', 'an integer from 1 to 1000']],
    [{ flags: { depth: '2.5' } }, ['depth', 'flag --depth']],
    [{ flags: { duration: 'soon' } }, ['duration', 'a duration']],
    [{ flags: { logLevel: 'loud' } }, ['logLevel', 'one of trace']],
    [{ env: { SIM: 'maybe' } }, ['sim', 'true or false']],
  ])('rejects %j with key path, value and expectation', (input, parts) => {
    expectConfigError(() => loadConfig({ cwd: tmpdir(), ...input }), ...parts);
  });

  it('rejects unknown keys and bad types in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'ws:\n  pingIntervalZ: 3\n');
    expectConfigError(() => loadConfig({ file, env: {} }), 'ws.pingIntervalZ', 'known keys');
    writeFileSync(file, 'depth: lots\n');
    expectConfigError(() => loadConfig({ file, env: {} }), 'depth', '"lots"', file);
    writeFileSync(file, 'venue: [\n');
    expectConfigError(() => loadConfig({ file, env: {} }), 'cannot read config file');
  });
});

describe('marketfeed.example.yaml', () => {
  it('loads and turns the simulator on', () => {
    const file = new URL('../../marketfeed.example.yaml', import.meta.url).pathname;
    const c = loadConfig({ file, env: {} });
    expect(c.sim).toBe(true);
    expect(c.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
  });
});

describe('serve keys', () => {
  it('take a serve: mapping or plain keys in YAML, SERVE_* env and flags, as the issue names them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-cfg-'));
    const file = join(dir, 'marketfeed.yaml');
    writeFileSync(file, 'serve:\n  enabled: true\n  host: 0.0.0.0\n  port: 9000\n  metrics_port: 9001\n  token: abc\n');
    expect(loadConfig({ file, env: {} })).toMatchObject({ serve: true, serveHost: '0.0.0.0', servePort: 9000, metricsPort: 9001, serveToken: 'abc' });
    writeFileSync(file, 'serve: true\n');
    expect(loadConfig({ file, env: { SERVE_TOKEN: 't', SERVE_PORT: '0' } })).toMatchObject({ serve: true, serveToken: 't', servePort: 0 });
    expect(flagName('serveHost')).toBe('serve-host');
    expect(flagName('metricsPort')).toBe('metrics-port');
    expect(envName('serve')).toBe('SERVE');
    expectConfigError(() => loadConfig({ env: { SERVE_PORT: '70000' } }), 'servePort');
  });
});
