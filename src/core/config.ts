// Configuration: one table of keys (CONFIG_KEYS) from which the zod schema, the environment
// variable names and the CLI flags are all derived, so a key is declared exactly once.
// Precedence: defaults < marketfeed.yaml < environment < CLI flags.
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { MarketfeedError } from './errors.js';
import { parseDurationMs } from './time.js';
import { parseYamlText } from './yaml-text.js';
import { isHhmm, isTimeZone, TradingWindow } from './trading-window.js';

type Kind = 'string' | 'number' | 'int' | 'bool' | 'list' | 'duration' | 'level' | 'choice' | 'hhmm' | 'zone';

export interface ConfigKey {
  /** Dotted path in the config object and in marketfeed.yaml. */
  path: string;
  kind: Kind;
  default: unknown;
  doc: string;
  /** Extra environment names besides the derived one (`ws.pingIntervalS` → `WS_PING_INTERVAL_S`). */
  env?: string[];
  min?: number;
  max?: number;
  /** The allowed values of a 'choice' key. */
  choices?: readonly string[];
  /** Other dotted paths accepted for this key in marketfeed.yaml (`storage.max_rows`). */
  yaml?: string[];
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const CONFIG_KEYS: ConfigKey[] = [
  { path: 'venue', kind: 'string', default: 'binance', doc: 'venue id', env: ['EXCHANGE'] },
  { path: 'symbols', kind: 'list', default: ['BTC/USDT', 'ETH/USDT'], doc: 'comma-separated unified symbols', env: ['SYMBOL'] },
  { path: 'dataDir', kind: 'string', default: './data', doc: 'data directory' },
  { path: 'depth', kind: 'int', default: 20, min: 1, max: 1000, doc: 'levels per side in book files', env: ['DEPTH_LEVELS'] },
  { path: 'duration', kind: 'duration', default: 0, doc: 'stop after this long (e.g. 30s, 2h; 0 = until Ctrl-C)' },
  { path: 'logLevel', kind: 'level', default: 'info', doc: `log level (${LOG_LEVELS.join('|')})` },
  { path: 'sim', kind: 'bool', default: false, doc: 'start the built-in simulated exchange on 127.0.0.1 and record from it' },
  { path: 'quoteCheck', kind: 'choice', choices: ['off', 'count', 'resync'], default: 'count', doc: 'compare each verified book with the venue\'s best bid/ask at the same update id: count mismatches, resync on them, or off' },
  { path: 'checksumAdvisory', kind: 'string', default: '', doc: 'comma-separated symbols whose venue checksum is advisory: a mismatch is counted and logged, the book kept (added to the venue\'s own list of unreliable pairs)' },
  { path: 'status', kind: 'bool', default: true, doc: 'print a one-line live status on a TTY' },
  { path: 'ws.url', kind: 'string', default: '', doc: 'websocket base URL override, e.g. wss://stream.binance.com:9443' },
  { path: 'ws.openTimeoutS', kind: 'number', default: 10, min: 0.1, doc: 'seconds to wait for the socket to open' },
  { path: 'ws.pingIntervalS', kind: 'number', default: 20, min: 0, doc: 'client ping interval in seconds (0 = off)' },
  { path: 'ws.pingTimeoutS', kind: 'number', default: 30, min: 0.1, doc: 'seconds without a pong before reconnecting' },
  { path: 'ws.noDataWarnS', kind: 'number', default: 10, min: 0, doc: 'warn after this many seconds without data (0 = off)' },
  { path: 'ws.noDataTimeoutS', kind: 'number', default: 30, min: 0, doc: 'reconnect after this many seconds without data (0 = off)' },
  { path: 'ws.reconnectBackoffS', kind: 'number', default: 0.5, min: 0, doc: 'base of the exponential reconnect backoff (full jitter)' },
  { path: 'ws.reconnectBackoffMaxS', kind: 'number', default: 30, min: 0, doc: 'cap of the reconnect backoff' },
  { path: 'ws.maxSessionS', kind: 'number', default: 0, min: 0, doc: 'rotate the connection after this long (0 = venue limit minus a margin)' },
  { path: 'ws.maxReconnects', kind: 'int', default: 0, min: 0, doc: 'give up (FAILED) after this many reconnects in a row without data (0 = never)' },
  { path: 'redundant', kind: 'int', default: 1, min: 1, max: 2, doc: 'sockets per connection: 2 = redundant A/B lines, each update taken from whichever line brings it first, so a drop, stall or skipped update on one line is no gap', yaml: ['ws.redundant'] },
  { path: 'ws.urlB', kind: 'string', default: '', doc: 'with --redundant 2: websocket base URL of line B (empty = the same as line A)', yaml: ['ws.url_b'] },
  { path: 'rest.url', kind: 'string', default: '', doc: 'REST base URL override, e.g. https://api.binance.com' },
  { path: 'rest.timeoutS', kind: 'number', default: 10, min: 0.1, doc: 'REST request timeout in seconds' },
  { path: 'rest.snapshotLimit', kind: 'int', default: 1000, min: 5, max: 5000, doc: 'levels requested in a REST book snapshot' },
  { path: 'rest.weightPerMinute', kind: 'int', default: 0, min: 0, doc: 'REST weight budget per minute (snapshots, listings, polls); 0 = 80% of the limit the venue advertises (Binance exchangeInfo rateLimits) or publishes, else 1200' },
  { path: 'rest.openInterestS', kind: 'number', default: 30, min: 0, doc: 'seconds between open interest polls of each symbol, for venues that serve it only over REST (Binance USDⓈ-M; 0 = off)' },
  { path: 'proxy', kind: 'string', default: '', doc: 'send every venue websocket and REST request through this proxy: http://[user:pass@]host:port (CONNECT) or socks5://, socks5h://, socks4:// (empty = the HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY environment variables)' },
  { path: 'storage.flushIntervalS', kind: 'number', default: 1, min: 0.05, doc: 'seconds between gzip member flushes' },
  { path: 'storage.raw', kind: 'bool', default: true, doc: 'write the raw capture' },
  { path: 'storage.trades', kind: 'bool', default: true, doc: 'write trades files' },
  { path: 'storage.book', kind: 'bool', default: true, doc: 'write book files' },
  { path: 'storage.events', kind: 'bool', default: true, doc: 'write the events ledger' },
  { path: 'storage.parquet', kind: 'bool', default: true, doc: 'also write each trades/book/events part finished by rotation or at the end of its UTC day as Parquet (zstd)' },
  { path: 'storage.maxRows', kind: 'int', default: 0, min: 0, doc: 'start a new part of a file after this many rows (0 = off)', yaml: ['storage.max_rows'] },
  { path: 'storage.maxBytes', kind: 'int', default: 0, min: 0, doc: 'start a new part once a flush takes a file to this many compressed bytes (0 = off)', yaml: ['storage.max_bytes'] },
  { path: 'storage.rotateEvery', kind: 'duration', default: 0, doc: 'start a new part every period of receive time, aligned to the clock (e.g. 1h; 0 = off)', yaml: ['storage.rotate_every'] },
  { path: 'storage.retentionDays', kind: 'number', default: 0, min: 0, doc: 'delete finished files of the data dir last modified more than this many days ago (0 = keep)', yaml: ['storage.retention_days'] },
  { path: 'storage.retentionMaxBytes', kind: 'int', default: 0, min: 0, doc: 'delete the oldest finished files while the data dir holds more than this many bytes (0 = no limit)', yaml: ['storage.retention_max_bytes'] },
  { path: 'storage.maxBufferBytes', kind: 'int', default: 256 * 1024 * 1024, min: 65536, doc: 'memory for rows waiting to be written while writes fail, shared by the open files; beyond it the oldest are dropped and ledgered as storage_gap', yaml: ['storage.max_buffer_bytes'] },
  { path: 'storage.live', kind: 'bool', default: false, doc: 'also append trades, depth diffs and other events to live/live_trades.ndjson, live/live_depth_diffs.ndjson and live/live_events.ndjson for tailing (serve --data-dir relays them)' },
  { path: 'storage.ticks', kind: 'bool', default: false, doc: 'also append every recorded trade to ticks/<SYMBOL_FS>_stream.csv (timestamp,price,qty,side: exchange time µs, venue decimal text, taker side), plain text for tailing, whole rows each storage.flushIntervalS; a restart appends; at each UTC day of timestamp (and storage.maxRows / maxBytes / rotateEvery) the file is renamed to <SYMBOL_FS>_stream.<YYYYMMDD>[.NNNN].csv and a fresh one begun; retention deletes the renamed files; a second venue of the same symbol writes ticks/<venue>/…' },
  { path: 'live.rotateS', kind: 'number', default: 300, min: 1, doc: 'seconds between rotations of the live files', env: ['LIVE_STREAM_ROTATE_S'] },
  { path: 'live.retentionS', kind: 'number', default: 3600, min: 0, doc: 'delete rotated live files older than this many seconds (0 = keep)', env: ['LIVE_STREAM_RETENTION_S'] },
  { path: 'window.tz', kind: 'zone', default: 'UTC', doc: 'IANA time zone of the trading window, e.g. America/New_York' },
  { path: 'window.startHhmm', kind: 'hhmm', default: '', doc: 'record only from this local time HHMM (empty = always record)' },
  { path: 'window.endHhmm', kind: 'hhmm', default: '', doc: 'until this local time HHMM (exclusive; set with window.startHhmm)' },
  { path: 'window.endDayOffset', kind: 'int', default: 0, min: 0, doc: 'local days from the window\'s start to its end (2200 to 0600: 1)' },
  { path: 'serve', kind: 'bool', default: false, doc: 'serve what is recorded: dashboard, REST, WebSocket relay and Prometheus on --serve-port, the metrics WebSocket on --metrics-port', yaml: ['serve.enabled'] },
  { path: 'serveHost', kind: 'string', default: '127.0.0.1', doc: 'address the servers listen on (anything but loopback exposes them: set --serve-token)', yaml: ['serve.host'] },
  { path: 'servePort', kind: 'int', default: 8765, min: 0, max: 65535, doc: 'port of the dashboard, REST, relay (/ws) and Prometheus (/metrics); 0 = any free port', yaml: ['serve.port'] },
  { path: 'metricsPort', kind: 'int', default: 8766, min: 0, max: 65535, doc: 'port of the metrics WebSocket (/metrics); 0 = any free port', yaml: ['serve.metrics_port', 'serve.metricsPort'] },
  { path: 'serveToken', kind: 'string', default: '', doc: 'when set, every request and socket needs Authorization: Bearer <token> or ?token=<token>', yaml: ['serve.token'] },
  { path: 'serveMaxClients', kind: 'int', default: 1000, min: 1, doc: 'WebSocket clients served at once (relay and metrics); more are refused with 1013', yaml: ['serve.max_clients', 'serve.maxClients'] },
  { path: 'serveClientQueue', kind: 'int', default: 1000, min: 16, doc: 'messages a slow relay client may have waiting; book messages are conflated to the newest first, past this the client is closed with 1013', yaml: ['serve.client_queue', 'serve.clientQueue'] },
  { path: 'nats', kind: 'string', default: '', doc: 'also publish every event and raw frame to NATS JetStream at this URL (nats://host:4222, comma-separated for a cluster); files stay the source of truth', yaml: ['nats.url'] },
  { path: 'natsStream', kind: 'string', default: 'MARKETFEED', doc: 'JetStream stream name (created when missing)', yaml: ['nats.stream'] },
  { path: 'natsPrefix', kind: 'string', default: '', doc: 'subject prefix before md./raw. (empty = none)', yaml: ['nats.prefix'] },
  { path: 'natsMaxAge', kind: 'duration', default: 7 * 86_400_000, doc: 'a new stream drops messages older than this (0 = never)', yaml: ['nats.max_age', 'nats.maxAge'] },
  { path: 'natsMaxBytes', kind: 'int', default: -1, min: -1, doc: 'a new stream keeps at most this many bytes (-1 = unlimited)', yaml: ['nats.max_bytes', 'nats.maxBytes'] },
  { path: 'natsReplicas', kind: 'int', default: 1, min: 1, max: 5, doc: 'replicas of a new stream (a JetStream cluster)', yaml: ['nats.replicas'] },
  { path: 'natsRaw', kind: 'bool', default: true, doc: 'publish raw frames too (raw.<venue>)', yaml: ['nats.raw'] },
  { path: 'postgres', kind: 'string', default: '', doc: 'also write trades, book tops, quotes, derivatives and events to PostgreSQL at this URL (postgresql://user@host:5432/db)', yaml: ['postgres.url'] },
  { path: 'postgresInit', kind: 'bool', default: false, doc: 'create the PostgreSQL tables when missing (schema.sql)', yaml: ['postgres.init'] },
  { path: 'shard', kind: 'string', default: '', doc: 'record only share i of n of the symbol list (e.g. 2/3), split by a stable hash, so n machines record disjoint shares', yaml: ['shard'] },
  { path: 'ccxtConfig', kind: 'string', default: '', doc: 'venue ccxt:<id> only: JSON merged into the ccxt exchange\'s constructor config (urls, options), e.g. {"options":{"defaultType":"swap"}}' },
  { path: 'allowUnverifiedBooks', kind: 'bool', default: false, doc: 'venue ccxt:<id> only: record order books ccxt cannot verify (no sequence or checksum check), under the label ccxt-<id>-unverified' },
  { path: 'simulator.seed', kind: 'int', default: 1, doc: 'seed of the simulated market' },
  { path: 'simulator.port', kind: 'int', default: 0, min: 0, max: 65535, doc: 'simulator port (0 = any free port)' },
  { path: 'simulator.diffIntervalMs', kind: 'number', default: 100, min: 1, doc: 'simulator depth diff cadence in ms' },
  { path: 'simulator.faults', kind: 'string', default: '', doc: 'simulator fault schedule, e.g. disconnect=20s,gap=7s' },
  { path: 'simulator.follow', kind: 'string', default: '', doc: 'simulated symbols that follow another: FOLLOWER=LEADER:RHO,… e.g. ETH/USDT=BTC/USDT:0.8 (correlation of log returns)' },
];

export interface Config {
  venue: string;
  symbols: string[];
  dataDir: string;
  depth: number;
  /** Milliseconds; 0 = run until stopped. */
  duration: number;
  logLevel: (typeof LOG_LEVELS)[number];
  sim: boolean;
  quoteCheck: 'off' | 'count' | 'resync';
  /** Comma-separated unified symbols whose checksum mismatches are advisory ('' = none). */
  checksumAdvisory: string;
  status: boolean;
  ws: {
    url: string; openTimeoutS: number; pingIntervalS: number; pingTimeoutS: number; noDataWarnS: number;
    noDataTimeoutS: number; reconnectBackoffS: number; reconnectBackoffMaxS: number; maxSessionS: number;
    maxReconnects: number; urlB: string;
  };
  /** Sockets per connection plan: 2 = redundant A/B lines (venues/redundancy.ts). */
  redundant: number;
  rest: { url: string; timeoutS: number; snapshotLimit: number; weightPerMinute: number; openInterestS: number };
  /** Proxy URL for every venue connection ('' = the environment's HTTPS_PROXY … rules; transport/proxy.ts). */
  proxy: string;
  storage: {
    flushIntervalS: number; raw: boolean; trades: boolean; book: boolean; events: boolean; parquet: boolean;
    /** Rotation limits, 0 = off; rotateEvery in ms. */
    maxRows: number; maxBytes: number; rotateEvery: number;
    retentionDays: number; retentionMaxBytes: number; maxBufferBytes: number; live: boolean;
    /** Tick stream for tailing (storage/ticks-stream.ts). */
    ticks: boolean;
  };
  /** Live rolling files (storage.live). */
  live: { rotateS: number; retentionS: number };
  /** Trading window (core/trading-window.ts); startHhmm '' = always record. */
  window: { tz: string; startHhmm: string; endHhmm: string; endDayOffset: number };
  /** Venue `ccxt:<id>` (venues/ccxt/): the exchange's constructor config as JSON text ('' = none). */
  ccxtConfig: string;
  /** Venue `ccxt:<id>`: record books ccxt does not verify, marked unverified. */
  allowUnverifiedBooks: boolean;
  simulator: { seed: number; port: number; diffIntervalMs: number; faults: string; follow: string };
  /** serve/: the HTTP + WebSocket servers fed by the recorder (or by live files). */
  serve: boolean;
  serveHost: string;
  servePort: number;
  metricsPort: number;
  serveToken: string;
  serveMaxClients: number;
  serveClientQueue: number;
  /** sinks/: NATS JetStream ('' = off). natsMaxAge in ms. */
  nats: string;
  natsStream: string;
  natsPrefix: string;
  natsMaxAge: number;
  natsMaxBytes: number;
  natsReplicas: number;
  natsRaw: boolean;
  /** sinks/: PostgreSQL ('' = off). */
  postgres: string;
  postgresInit: boolean;
  /** `i/n` ('' = every symbol). */
  shard: string;
}

/** `ws.pingIntervalS` → `WS_PING_INTERVAL_S`. */
export function envName(path: string): string {
  return path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `ws.pingIntervalS` → `ws-ping-interval-s` (the CLI flag without dashes). */
export function flagName(path: string): string {
  return path.replace(/\./g, '-').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function leafSchema(k: ConfigKey): z.ZodType {
  switch (k.kind) {
    case 'string': return z.string();
    case 'hhmm': return z.string().refine((v) => v === '' || isHhmm(v));
    case 'zone': return z.string().refine(isTimeZone);
    case 'bool': return z.boolean();
    case 'level': return z.enum(LOG_LEVELS);
    case 'choice': return z.enum(k.choices as [string, ...string[]]);
    case 'list': return z.array(z.string().min(1)).min(1);
    case 'number':
    case 'duration': {
      let s = z.number().finite();
      if (k.min !== undefined) s = s.min(k.min);
      if (k.max !== undefined) s = s.max(k.max);
      return k.kind === 'duration' ? s.min(0) : s;
    }
    case 'int': {
      let s = z.number().int();
      if (k.min !== undefined) s = s.min(k.min);
      if (k.max !== undefined) s = s.max(k.max);
      return s;
    }
  }
}

function expectation(k: ConfigKey): string {
  switch (k.kind) {
    case 'string': return 'a string';
    case 'hhmm': return 'a local time HHMM from 0000 to 2359, or empty';
    case 'zone': return 'an IANA time zone such as UTC or America/New_York';
    case 'bool': return 'true or false';
    case 'level': return `one of ${LOG_LEVELS.join(', ')}`;
    case 'choice': return `one of ${(k.choices ?? []).join(', ')}`;
    case 'list': return 'a non-empty comma-separated list';
    case 'duration': return 'a duration such as 30s, 5m, 2h (or seconds)';
    case 'number':
    case 'int': {
      const what = k.kind === 'int' ? 'an integer' : 'a number';
      if (k.min !== undefined && k.max !== undefined) return `${what} from ${k.min} to ${k.max}`;
      if (k.min !== undefined) return `${what} >= ${k.min}`;
      return what;
    }
  }
}

const KEY_BY_PATH = new Map(CONFIG_KEYS.map((k) => [k.path, k]));
const KEY_BY_YAML_ALIAS = new Map(CONFIG_KEYS.flatMap((k) => (k.yaml ?? []).map((a) => [a, k] as const)));

/** Converts text from the environment or a flag into the key's type; undefined when it cannot. */
function coerce(k: ConfigKey, text: string): unknown {
  const t = text.trim();
  switch (k.kind) {
    case 'string': return text;
    case 'hhmm':
    case 'zone': return t;
    case 'level':
    case 'choice': return t.toLowerCase();
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(t)) return true;
      if (/^(0|false|no|off)$/i.test(t)) return false;
      return undefined;
    case 'list': return t.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    case 'duration': {
      const ms = parseDurationMs(t);
      return Number.isNaN(ms) ? undefined : ms;
    }
    case 'number':
    case 'int': {
      if (t === '') return undefined;
      const n = Number(t);
      return Number.isNaN(n) ? undefined : n;
    }
  }
}

function configError(k: ConfigKey | undefined, path: string, value: unknown, source: string, expected?: string): MarketfeedError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return new MarketfeedError('MF_ERR_CONFIG', `${path} = ${shown} (from ${source})`, {
    path,
    expected: expected ?? (k ? expectation(k) : 'a known key'),
    got: shown,
  });
}

function setPath(obj: Record<string, any>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (let i = 0; i < parts.length - 1; i++) o = o[parts[i]] ??= {};
  o[parts[parts.length - 1]] = value;
}

function getPath(obj: Record<string, any>, path: string): unknown {
  let o: any = obj;
  for (const p of path.split('.')) {
    if (o === null || typeof o !== 'object') return undefined;
    o = o[p];
  }
  return o;
}

export interface LoadConfigInput {
  /** CLI values keyed by config path (already picked from commander's parsed options). */
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** Path of a YAML config; when absent, ./marketfeed.yaml is used if it exists. */
  file?: string;
  cwd?: string;
}

export function defaultConfig(): Config {
  const out: Record<string, any> = {};
  for (const k of CONFIG_KEYS) setPath(out, k.path, structuredClone(k.default));
  return out as Config;
}

/** Builds the config from defaults, file, environment and flags; throws MF_ERR_CONFIG on any bad value. */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const cfg: Record<string, any> = defaultConfig();
  const sources = new Map<string, string>();

  const file = input.file ?? (existsSync(`${input.cwd ?? '.'}/marketfeed.yaml`) ? `${input.cwd ?? '.'}/marketfeed.yaml` : undefined);
  if (file !== undefined) {
    let doc: unknown;
    try {
      doc = parseYamlText(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new MarketfeedError('MF_ERR_CONFIG', `cannot read config file ${file}: ${(e as Error).message}`, { path: file });
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw configError(undefined, '(root)', doc, file, 'a YAML mapping');
      walkYaml(doc as Record<string, unknown>, '', (written, value) => {
        const k = KEY_BY_PATH.get(written) ?? KEY_BY_YAML_ALIAS.get(written);
        if (!k) throw configError(undefined, written, value, file, `one of the known keys (${CONFIG_KEYS.map((x) => x.path).join(', ')})`);
        const path = k.path;
        let v = value;
        if (typeof v === 'string' && k.kind !== 'string') v = coerce(k, v) ?? v;
        if (k.kind === 'string' && typeof v === 'number') v = String(v);
        // YAML reads `startHhmm: 0930` as the number 930
        if (k.kind === 'hhmm' && typeof v === 'number' && Number.isInteger(v) && v >= 0) v = String(v).padStart(4, '0');
        setPath(cfg, path, v);
        sources.set(path, file);
      });
    }
  }

  const env = input.env ?? {};
  for (const k of CONFIG_KEYS) {
    for (const name of [envName(k.path), ...(k.env ?? [])]) {
      const text = env[name];
      if (text === undefined || text === '') continue;
      const v = coerce(k, text);
      if (v === undefined) throw configError(k, k.path, text, `environment ${name}`);
      setPath(cfg, k.path, v);
      sources.set(k.path, `environment ${name}`);
      break;
    }
  }

  for (const [path, raw] of Object.entries(input.flags ?? {})) {
    if (raw === undefined) continue;
    const k = KEY_BY_PATH.get(path);
    if (!k) throw configError(undefined, path, raw, 'command line');
    const v = typeof raw === 'string' ? coerce(k, raw) : raw;
    if (v === undefined) throw configError(k, path, raw, `flag --${flagName(path)}`);
    setPath(cfg, path, v);
    sources.set(path, `flag --${flagName(path)}`);
  }

  for (const k of CONFIG_KEYS) {
    const value = getPath(cfg, k.path);
    const r = leafSchema(k).safeParse(value);
    if (!r.success) throw configError(k, k.path, value, sources.get(k.path) ?? 'defaults');
  }
  checkWindow(cfg as Config, sources);
  return cfg as Config;
}

function walkYaml(obj: Record<string, unknown>, prefix: string, visit: (path: string, value: unknown) => void): void {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) walkYaml(value as Record<string, unknown>, path, visit);
    else visit(path, value);
  }
}

/** Cross-key rules of the trading window: start and end set together, end after start. */
function checkWindow(cfg: Config, sources: Map<string, string>): void {
  const w = cfg.window;
  const from = (path: string): string => sources.get(path) ?? 'defaults';
  if ((w.startHhmm === '') !== (w.endHhmm === '')) {
    const missing = w.startHhmm === '' ? 'window.startHhmm' : 'window.endHhmm';
    const other = missing === 'window.startHhmm' ? 'window.endHhmm' : 'window.startHhmm';
    throw configError(KEY_BY_PATH.get(missing), missing, '', from(missing), `HHMM, set together with ${other} (or both empty for always on)`);
  }
  try {
    new TradingWindow(w);
  } catch (e) {
    const err = e as MarketfeedError;
    const path = err.path ?? 'window';
    throw configError(KEY_BY_PATH.get(path), path, getPath(cfg, path), from(path), err.expected);
  }
}
