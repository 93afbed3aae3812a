// Proxy rules (option and environment), masking, and requests, REST clients and websockets
// through the local CONNECT and SOCKS5 proxies of test/proxy-servers.ts, against local servers.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { WebSocketServer } from 'ws';
import { envName, flagName, loadConfig } from '../core/config.js';
import { isMarketfeedError, MarketfeedError } from '../core/errors.js';
import type { RawFrame } from '../core/frames.js';
import { startConnectProxy, startSocks5Proxy, type TestProxy } from '../../test/proxy-servers.js';
import { Connection } from './connection.js';
import { maskProxyUrl, parseProxyUrl, ProxyRoute, requestThrough } from './proxy.js';
import { RestClient } from './rest.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY', 'ws_proxy', 'wss_proxy'];

/** Sets exactly these proxy variables in process.env (proxy-from-env reads it) and returns it. */
function stubEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  for (const n of PROXY_VARS) vi.stubEnv(n, vars[n] ?? '');
  return process.env;
}

function configError(fn: () => unknown): MarketfeedError {
  try {
    fn();
  } catch (e) {
    if (isMarketfeedError(e, 'MF_ERR_CONFIG')) return e;
    throw e;
  }
  throw new Error('expected MF_ERR_CONFIG');
}

async function venue(): Promise<{ base: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(gzipSync('{"zipped":true}'));
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 2000).unref();
    } else if (req.url === '/missing') {
      res.writeHead(404).end('{"code":-1121,"msg":"Invalid symbol."}');
    } else {
      res.writeHead(200, { 'x-mbx-used-weight-1m': '17' }).end(`{"path":${JSON.stringify(req.url)}}`);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

async function proxy(kind: 'connect' | 'socks5'): Promise<TestProxy> {
  const p = kind === 'connect' ? await startConnectProxy() : await startSocks5Proxy();
  cleanups.push(() => p.close());
  return p;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const p = await startConnectProxy();
  await p.close();
  return p.port;
}

describe('maskProxyUrl / parseProxyUrl', () => {
  it('masks user and password, and leaves URLs without them alone', () => {
    expect(maskProxyUrl('http://alice:s3cret@proxy.example:3128')).toBe('http://***@proxy.example:3128');
    expect(maskProxyUrl('socks5://alice@10.0.0.1:1080')).toBe('socks5://***@10.0.0.1:1080');
    expect(maskProxyUrl('alice:s3cret@proxy:3128')).toBe('***@proxy:3128');
    expect(maskProxyUrl('http://alice:p@ss@proxy:3128/')).toBe('http://***@proxy:3128/');
    expect(maskProxyUrl('http://proxy.example:3128')).toBe('http://proxy.example:3128');
  });

  it('accepts http, https and socks schemes with a host', () => {
    for (const u of ['http://h:3128', 'https://u:p@h', 'socks5://h:1080', 'socks5h://h:1080', 'socks4://h:1080', 'socks4a://h:1080']) {
      expect(parseProxyUrl(u, 'proxy').hostname).toBe('h');
    }
  });

  it('refuses an unknown scheme, a missing host or no URL at all, masking credentials', () => {
    expect(configError(() => parseProxyUrl('ftp://u:hunter2@h:21', 'proxy')).message).toMatch(/has scheme ftp.*expected a proxy URL/);
    expect(configError(() => parseProxyUrl('ftp://u:hunter2@h:21', 'proxy')).message).not.toMatch(/hunter2/);
    expect(configError(() => parseProxyUrl('http://u:hunter2@', 'proxy')).message).not.toMatch(/hunter2/);
    expect(configError(() => parseProxyUrl('socks5://', 'proxy')).message).toMatch(/names no host|not a URL/);
    expect(configError(() => parseProxyUrl('not a url', 'proxy')).message).toMatch(/is not a URL/);
  });
});

describe('the proxy config key', () => {
  it('is --proxy, env PROXY and `proxy:` in YAML, empty by default', () => {
    expect(flagName('proxy')).toBe('proxy');
    expect(envName('proxy')).toBe('PROXY');
    expect(loadConfig({ env: {} }).proxy).toBe('');
    expect(loadConfig({ env: { PROXY: 'socks5://h:1080' } }).proxy).toBe('socks5://h:1080');
    expect(loadConfig({ env: { PROXY: 'socks5://h:1080' }, flags: { proxy: 'http://p:3128' } }).proxy).toBe('http://p:3128');
  });
});

describe('ProxyRoute rules', () => {
  it('--proxy carries every venue URL, of any scheme', () => {
    stubEnv({ NO_PROXY: '*' });
    const r = new ProxyRoute('http://u:pw@127.0.0.1:3128');
    for (const t of ['https://api.binance.com/api/v3/depth', 'wss://stream.binance.com:9443/ws', 'http://127.0.0.1:1/x', 'ws://127.0.0.1:1/ws']) {
      expect(r.proxyFor(t)?.href).toBe('http://u:pw@127.0.0.1:3128/');
    }
    expect(r.describe()).toBe('http://***@127.0.0.1:3128');
    expect(r.describeFor('wss://x')).toBe('http://***@127.0.0.1:3128');
  });

  it('HTTPS_PROXY serves https:// and wss://, HTTP_PROXY http:// and ws://, ALL_PROXY the rest', () => {
    const env = stubEnv({ HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' });
    const r = new ProxyRoute('', env);
    expect(r.proxyFor('https://api.venue/x')?.host).toBe('secure:3128');
    expect(r.proxyFor('wss://stream.venue/ws')?.host).toBe('secure:3128');
    expect(r.proxyFor('http://api.venue/x')?.host).toBe('plain:3128');
    expect(r.proxyFor('ws://stream.venue/ws')?.host).toBe('plain:3128');
    const all = new ProxyRoute('', stubEnv({ ALL_PROXY: 'socks5://s:1080' }));
    expect(all.proxyFor('wss://stream.venue/ws')?.href).toBe('socks5://s:1080');
  });

  it('lower-case names win; a value without a scheme is an http proxy', () => {
    const r = new ProxyRoute('', stubEnv({ https_proxy: 'lower:3128', HTTPS_PROXY: 'http://upper:3128' }));
    expect(r.proxyFor('wss://stream.venue/ws')?.href).toBe('http://lower:3128/');
  });

  it('NO_PROXY bypasses matching hosts (suffixes, ports, *)', () => {
    const r = new ProxyRoute('', stubEnv({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.internal,127.0.0.1:9000' }));
    expect(r.proxyFor('https://api.internal/x')).toBeUndefined();
    expect(r.proxyFor('https://127.0.0.1:9000/x')).toBeUndefined();
    expect(r.proxyFor('https://127.0.0.1:9001/x')?.host).toBe('p:3128');
    expect(r.agentFor('https://api.internal/x')).toBeUndefined();
    expect(new ProxyRoute('', stubEnv({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: '*' })).proxyFor('wss://x/ws')).toBeUndefined();
  });

  it('no option and no variables: nothing configured, everything direct', () => {
    const r = new ProxyRoute('', stubEnv({}));
    expect(r.configured).toBe(false);
    expect(r.describe()).toBeUndefined();
    expect(r.proxyFor('https://api.venue/x')).toBeUndefined();
  });

  it('a malformed variable is a config error naming it, masked', () => {
    const e = configError(() => new ProxyRoute('', stubEnv({ HTTPS_PROXY: 'ftp://me:hunter2@h' })));
    expect(e.message).toMatch(/environment HTTPS_PROXY/);
    expect(e.message).not.toMatch(/hunter2/);
  });

  it('one agent per proxy, SOCKS or CONNECT by scheme', () => {
    const r = new ProxyRoute('socks5://127.0.0.1:1080');
    expect(r.agentFor('wss://a/ws')).toBe(r.agentFor('https://b/x'));
    expect(r.agentFor('wss://a/ws')).toBeInstanceOf(SocksProxyAgent);
    expect(new ProxyRoute('http://127.0.0.1:3128').agentFor('wss://a/ws')).toBeInstanceOf(HttpsProxyAgent);
  });
});

describe.each(['connect', 'socks5'] as const)('through a %s proxy', (kind) => {
  it('requestThrough: status, headers and body (gzip undone), as fetch gives them', async () => {
    const v = await venue();
    const p = await proxy(kind);
    const agent = new ProxyRoute(p.url).agentFor(v.base)!;
    const ok = await requestThrough(agent, `${v.base}/api?x=1`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('X-MBX-USED-WEIGHT-1M')).toBe('17');
    expect(await ok.text()).toBe('{"path":"/api?x=1"}');
    const zipped = await requestThrough(agent, `${v.base}/gzip`);
    expect(await zipped.json()).toEqual({ zipped: true });
    const missing = await requestThrough(agent, `${v.base}/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/-1121/);
    expect(p.tunnels.map((t) => t.target)).toEqual(Array(3).fill(v.base.slice('http://'.length)));
    expect(p.tunnels.every((t) => t.firstLine.startsWith('GET /') && !t.websocket)).toBe(true);
  });

  it('requestThrough: an aborted signal rejects with its reason', async () => {
    const v = await venue();
    const p = await proxy(kind);
    const agent = new ProxyRoute(p.url).agentFor(v.base)!;
    const ac = new AbortController();
    const pending = requestThrough(agent, `${v.base}/slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(pending).rejects.toThrow('stop now');
    await expect(requestThrough(agent, `${v.base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('RestClient: the venue\'s used-weight header counts, the frame is recorded', async () => {
    const v = await venue();
    const p = await proxy(kind);
    const frames: RawFrame[] = [];
    const rest = new RestClient({
      venue: 'testvenue', baseUrl: v.base, timeoutMs: 1000, weightPerMinute: 6000, retryBaseMs: 10,
      usedWeightHeader: { name: 'X-MBX-USED-WEIGHT-1M', windowMs: 60_000 }, proxy: new ProxyRoute(p.url), onFrame: (f) => frames.push(f),
    });
    const r = await rest.get('/api/v3/depth?symbol=BTCUSDT');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"path":"/api/v3/depth?symbol=BTCUSDT"}');
    expect(rest.stats.venueWeightUsed).toBe(17);
    expect(frames).toHaveLength(1);
    expect(p.tunnels).toHaveLength(1);
  });

  it('a websocket opens through it and delivers frames', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m.toString()}`)));
    const p = await proxy(kind);
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
    const frames: RawFrame[] = [];
    let got!: () => void;
    const echoed = new Promise<void>((r) => (got = r));
    const conn = new Connection({
      venue: 'testvenue', url, subscribe: () => ['hello'], openTimeoutMs: 5000, pingIntervalMs: 0, pingTimeoutMs: 1000,
      noDataWarnMs: 0, noDataTimeoutMs: 0, maxSessionMs: 0, backoffBaseMs: 10, backoffMaxMs: 100, proxy: new ProxyRoute(p.url),
      onFrame: (f) => {
        frames.push(f);
        if (f.dir === 'in') got();
      },
      onStatus: () => undefined,
    });
    conn.start();
    cleanups.push(() => conn.stop());
    await echoed;
    expect(frames.find((f) => f.dir === 'in')?.data).toBe('echo hello');
    expect(p.tunnels).toHaveLength(1);
    expect(p.tunnels[0].websocket).toBe(true);
    expect(p.tunnels[0].firstLine).toBe('GET /ws HTTP/1.1');
  });
});

describe('a proxy that is down', () => {
  it.each(['http', 'socks5'])('RestClient (%s): MF_ERR_UNREACHABLE naming the proxy, without its password', async (scheme) => {
    const v = await venue();
    const port = await deadPort();
    const rest = new RestClient({
      venue: 'testvenue', baseUrl: v.base, timeoutMs: 1000, weightPerMinute: 6000, retryBaseMs: 10, maxRetries: 1,
      proxy: new ProxyRoute(`${scheme}://me:hunter2@127.0.0.1:${port}`),
    });
    const e = await rest.get('/api').catch((x: unknown) => x);
    expect(isMarketfeedError(e, 'MF_ERR_UNREACHABLE'), String(e)).toBe(true);
    expect((e as Error).message).toContain(`via proxy ${scheme}://***@127.0.0.1:${port}`);
    expect((e as Error).message).not.toMatch(/hunter2/);
    expect(v.hits).toHaveLength(0);
  });

  it('ProxyRoute.fetch rejects like fetch: TypeError whose cause names the proxy and keeps the errno code', async () => {
    const port = await deadPort();
    const e = await new ProxyRoute(`socks5://127.0.0.1:${port}`).fetch('http://127.0.0.1:1/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    const cause = (e as Error).cause as NodeJS.ErrnoException;
    expect(cause.message).toContain(`via proxy socks5://127.0.0.1:${port}`);
    expect(cause.code).toBe('ECONNREFUSED');
  });

  it.each(['http', 'socks5'])('a websocket (%s): MF_ERR_UNREACHABLE naming the proxy, then FAILED after maxReconnects', async (scheme) => {
    const port = await deadPort();
    const errors: MarketfeedError[] = [];
    let failed!: () => void;
    const done = new Promise<void>((r) => (failed = r));
    const conn = new Connection({
      venue: 'testvenue', url: 'ws://127.0.0.1:1/ws', subscribe: () => [], openTimeoutMs: 5000, pingIntervalMs: 0, pingTimeoutMs: 1000,
      noDataWarnMs: 0, noDataTimeoutMs: 0, maxSessionMs: 0, backoffBaseMs: 10, backoffMaxMs: 20, maxReconnects: 2,
      proxy: new ProxyRoute(`${scheme}://me:hunter2@127.0.0.1:${port}`),
      onFrame: () => undefined,
      onStatus: (s) => {
        if (s.error) errors.push(s.error);
        if (s.state === 'FAILED') failed();
      },
    });
    conn.start();
    cleanups.push(() => conn.stop());
    await done;
    expect(errors.at(-1)?.code).toBe('MF_ERR_UNREACHABLE');
    expect(errors.at(-1)?.message).toContain(`via proxy ${scheme}://***@127.0.0.1:${port}`);
    expect(errors.map((x) => x.message).join(' ')).not.toMatch(/hunter2/);
  });
});
