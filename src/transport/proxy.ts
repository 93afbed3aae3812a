// Proxies for everything that talks to a venue: websockets and REST alike. One ProxyRoute per
// session says, for each URL, which proxy (if any) carries it:
//   - `--proxy <url>` (config key `proxy`, env PROXY): every venue URL goes through it;
//   - otherwise the usual environment variables, read by proxy-from-env: HTTPS_PROXY for https://
//     and wss://, HTTP_PROXY for http:// and ws://, ALL_PROXY for any, NO_PROXY to bypass
//     (lower-case names win, as curl does). A websocket handshake is an HTTP(S) request, so ws://
//     and wss:// follow the HTTP and HTTPS rules.
// http:// and https:// proxies tunnel with CONNECT (https-proxy-agent), socks4/4a/5/5h:// go
// through socks-proxy-agent. Both are node http.Agents: `ws` takes one as is, and REST requests
// that need one leave through node:http/https (global fetch cannot take an Agent); a request no
// proxy applies to keeps the plain fetch path.
// Credentials in a proxy URL (user:pass@) never reach a log line or an error: `maskProxyUrl`.
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { getProxyForUrl } from 'proxy-from-env';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { MarketfeedError } from '../core/errors.js';

const HTTP_SCHEMES = new Set(['http:', 'https:']);
const SOCKS_SCHEMES = new Set(['socks:', 'socks4:', 'socks4a:', 'socks5:', 'socks5h:']);
const EXPECTED = 'a proxy URL such as http://host:3128, https://user:pass@host:443 or socks5://host:1080 (schemes http, https, socks4, socks4a, socks5, socks5h)';
/** The environment variables read, lower-case first (proxy-from-env's order). */
const ENV_NAMES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'];

/** `http://user:pass@host:3128` → `http://***@host:3128`, also for text that does not parse as a URL. */
export function maskProxyUrl(text: string): string {
  // by hand, not through URL: an unparsable value must be masked too
  // greedy to the authority's last '@': a password may hold an unencoded one
  return text.replace(/^([a-z0-9+.-]+:\/\/)?[^/?#]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** A proxy URL checked for scheme and host; MF_ERR_CONFIG naming `source` otherwise (masked). */
export function parseProxyUrl(text: string, source: string, written = text): URL {
  const shown = maskProxyUrl(written.trim());
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new MarketfeedError('MF_ERR_CONFIG', `proxy ${JSON.stringify(shown)} (from ${source}) is not a URL`, { path: 'proxy', expected: EXPECTED });
  }
  if (!HTTP_SCHEMES.has(url.protocol) && !SOCKS_SCHEMES.has(url.protocol)) {
    throw new MarketfeedError('MF_ERR_CONFIG', `proxy ${JSON.stringify(shown)} (from ${source}) has scheme ${url.protocol.slice(0, -1)}`, { path: 'proxy', expected: EXPECTED });
  }
  if (url.hostname === '') {
    throw new MarketfeedError('MF_ERR_CONFIG', `proxy ${JSON.stringify(shown)} (from ${source}) names no host`, { path: 'proxy', expected: EXPECTED });
  }
  return url;
}

/**
 * socks-proxy-agent's failures carry the errno only in their text ("connect ECONNREFUSED …"): it is
 * put back as `code`, which is what the connection and the REST client classify by.
 */
class SocksAgent extends SocksProxyAgent {
  override async connect(...args: Parameters<SocksProxyAgent['connect']>): ReturnType<SocksProxyAgent['connect']> {
    try {
      return await super.connect(...args);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const code = /\b(E[A-Z_]{3,})\b/.exec(String(err?.message))?.[1];
      if (err instanceof Error && err.code === undefined && code !== undefined) err.code = code;
      throw e;
    }
  }
}

/** ws:// → http://, wss:// → https:// (the rules of the handshake's request). */
function requestUrl(target: string): string {
  return target.replace(/^ws(s?):\/\//i, 'http$1://');
}

export class ProxyRoute {
  /** `--proxy` (config key `proxy`), when given: it carries every URL. */
  private readonly explicit: URL | undefined;
  private readonly env: Record<string, string | undefined>;
  private readonly agents = new Map<string, Agent>();
  /** True when some URL may go through a proxy (the option, or a proxy variable set). */
  readonly configured: boolean;

  /**
   * `proxy`: the configured proxy ('' = the environment's rules). `env`: where the variables are
   * read (proxy-from-env reads process.env; a different env is only checked here).
   * Throws MF_ERR_CONFIG for a malformed proxy, in the option or in the environment.
   */
  constructor(proxy: string, env: Record<string, string | undefined> = process.env) {
    this.env = env;
    this.explicit = proxy.trim() === '' ? undefined : parseProxyUrl(proxy, 'proxy');
    this.configured = this.explicit !== undefined || ENV_NAMES.some((n) => (env[n] ?? '') !== '');
    if (this.explicit !== undefined) return;
    for (const name of ENV_NAMES) {
      const v = env[name];
      // a value without a scheme is a host:port, as curl reads it
      if (v !== undefined && v !== '') parseProxyUrl(v.includes('://') ? v : `http://${v}`, `environment ${name}`, v);
    }
  }

  /** The proxy for a venue URL (http(s):// or ws(s)://), or undefined to go direct. */
  proxyFor(target: string): URL | undefined {
    if (this.explicit !== undefined) return this.explicit;
    if (!this.configured) return undefined;
    const chosen = getProxyForUrl(requestUrl(target));
    if (chosen === '') return undefined;
    // proxy-from-env gives a scheme-less value the target's scheme; curl (and we) read it as http
    const raw = ENV_NAMES.map((n) => this.env[n]).find((v) => v !== undefined && v !== '' && chosen.endsWith(v) && !v.includes('://'));
    return new URL(raw !== undefined ? `http://${raw}` : chosen);
  }

  /** What to put in a log line or error for this URL's proxy: masked; undefined when direct. */
  describeFor(target: string): string | undefined {
    const p = this.proxyFor(target);
    return p === undefined ? undefined : maskProxyUrl(p.href.replace(/\/$/, ''));
  }

  /** For the session's opening log line: the proxy in force and where it came from. */
  describe(): string | undefined {
    if (this.explicit !== undefined) return maskProxyUrl(this.explicit.href.replace(/\/$/, ''));
    const set = ENV_NAMES.filter((n) => (this.env[n] ?? '') !== '');
    if (set.length === 0) return undefined;
    const noProxy = this.env.no_proxy || this.env.NO_PROXY;
    return set.map((n) => `${n}=${maskProxyUrl(this.env[n]!)}`).join(' ') + (noProxy ? ` NO_PROXY=${noProxy}` : '');
  }

  /** The agent that carries this URL through its proxy (one per proxy); undefined to go direct. */
  agentFor(target: string): Agent | undefined {
    const p = this.proxyFor(target);
    if (p === undefined) return undefined;
    let agent = this.agents.get(p.href);
    if (agent === undefined) {
      agent = SOCKS_SCHEMES.has(p.protocol) ? new SocksAgent(p) : new HttpsProxyAgent(p);
      this.agents.set(p.href, agent);
    }
    return agent;
  }

  /**
   * fetch, through the URL's proxy when one applies; plain global fetch otherwise. A failure
   * through a proxy rejects the way undici's fetch does (TypeError 'fetch failed' whose cause holds
   * the errno code), so callers reading fetch's errors (ccxt) read these too; the cause names the proxy.
   */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const agent = this.agentFor(url);
    if (agent === undefined) return fetch(url, init);
    try {
      return await requestThrough(agent, url, init);
    } catch (e) {
      if (init.signal?.aborted) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const cause = Object.assign(new Error(`via proxy ${this.describeFor(url)}: ${(e as Error).message}`, { cause: e }), code === undefined ? {} : { code });
      throw new TypeError('fetch failed', { cause });
    }
  }
}

/** Statuses whose Response must have a null body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * One request over node:http/https with `agent`, answered as a fetch Response: status, headers
 * and the whole body (gzip / deflate / br undone, as fetch does). Rejects like fetch: with the
 * signal's reason when it aborts, else with the socket's errno error (err.code, ECONNREFUSED when
 * the proxy is down). Redirects are not followed (the status is returned).
 */
export function requestThrough(agent: Agent, url: string, init: RequestInit = {}): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { accept: '*/*', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'node' };
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  return new Promise<Response>((resolve, reject) => {
    const req = send(u, { method: init.method ?? 'GET', headers, agent }, (res) => {
      readBody(res).then((body) => {
        signal?.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined || k === 'content-encoding' || k === 'content-length') continue;
          for (const x of Array.isArray(v) ? v : [v]) out.append(k, x);
        }
        resolve(new Response(NULL_BODY.has(status) ? null : body, { status, statusText: res.statusMessage ?? '', headers: out }));
      }, fail);
    });
    function fail(err: unknown): void {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : err);
    }
    function onAbort(): void {
      req.destroy();
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    if (typeof init.body === 'string' || init.body instanceof Uint8Array) req.end(init.body);
    else req.end();
  });
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  const enc = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const stream = enc === 'gzip' || enc === 'x-gzip' ? res.pipe(createGunzip()) : enc === 'deflate' ? res.pipe(createInflate()) : enc === 'br' ? res.pipe(createBrotliDecompress()) : res;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    if (stream !== res) res.on('error', reject);
  });
}
