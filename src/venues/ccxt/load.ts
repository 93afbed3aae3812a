// Loading ccxt and building one exchange instance. ccxt is imported lazily, here only: it loads
// all its exchanges on import (≈0.4 s, ≈118 MB — research/ccxt.md §1), so `marketfeed --help` and
// every native venue never pay for it. The version is pinned in package.json because everything
// the fallback hooks (clients, caches, message handlers) is ccxt-internal.
//
// The exchange is built from a plain description (`ExchangeSetup`), so the recorder can write the
// same description into the raw capture and replay can build an identical instance from it.
import type { Exchange } from 'ccxt';
import { MarketfeedError } from '../../core/errors.js';

export type CcxtModule = typeof import('ccxt');

let loading: Promise<CcxtModule> | undefined;

/** ccxt, imported on first use. */
export function loadCcxt(): Promise<CcxtModule> {
  return (loading ??= import('ccxt'));
}

/** Ids of ccxt's pro (websocket) exchanges, sorted. */
export function proIds(ccxt: CcxtModule): string[] {
  const pro = ccxt.pro as unknown as Record<string, unknown> & { exchanges?: unknown };
  const ids = Array.isArray(pro.exchanges) ? (pro.exchanges as string[]) : Object.keys(pro).filter((k) => typeof pro[k] === 'function');
  return [...ids].sort();
}

/** What builds an exchange: written into the capture (`ccxt session` mark), so no credentials. */
export interface ExchangeSetup {
  /** ccxt id (`binance`). */
  id: string;
  /** Constructor config (ccxt deep-merges it over the exchange's own: urls, options …). */
  config: Record<string, unknown>;
  /** Replaces the scheme, host and port of every websocket URL of the exchange (a path is put in front of each URL's own). */
  wsUrl?: string;
  /** The same for every REST URL. */
  restUrl?: string;
}

/**
 * The pro exchange class of a ccxt id; MF_ERR_UNKNOWN_VENUE for an id ccxt pro does not have
 * (REST-only exchanges have no websocket fallback).
 */
export function exchangeClass(ccxt: CcxtModule, id: string): new (config: object) => Exchange {
  const pro = ccxt.pro as unknown as Record<string, new (config: object) => Exchange>;
  if (!proIds(ccxt).includes(id) || typeof pro[id] !== 'function') {
    throw new MarketfeedError('MF_ERR_UNKNOWN_VENUE', `unknown venue "ccxt:${id}": ccxt has no websocket (pro) exchange ${JSON.stringify(id)}`, {
      expected: 'ccxt:<id> with one of the ids `marketfeed venues` lists', got: `ccxt:${id}`,
    });
  }
  return pro[id];
}

/** Keys of a ccxt config that hold credentials: never written to a capture. */
const SECRET_KEYS = new Set(['apiKey', 'secret', 'password', 'uid', 'login', 'privateKey', 'walletAddress', 'token', 'twofa']);

/** The user's `--ccxt-config` text as an object (credentials dropped: the fallback reads public data only). */
export function parseCcxtConfig(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_CONFIG', `ccxtConfig is not JSON (${(e as Error).message})`, {
      path: 'ccxtConfig', expected: 'a JSON object such as {"options":{"defaultType":"spot"}}', got: text.slice(0, 80),
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MarketfeedError('MF_ERR_CONFIG', 'ccxtConfig must be a JSON object', { path: 'ccxtConfig', expected: 'a JSON object', got: text.slice(0, 80) });
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!SECRET_KEYS.has(k)) out[k] = v;
  return out;
}

/**
 * A new exchange instance for a setup. `live` keeps ccxt's own REST rate limiter unless the
 * config turns it off; replay never waits. Local `ws://` URLs need ccxt's http agent loaded first.
 */
export async function createExchange(ccxt: CcxtModule, setup: ExchangeSetup, live: boolean): Promise<Exchange> {
  const Ctor = exchangeClass(ccxt, setup.id);
  const ex = new Ctor({ ...setup.config, ...(live ? {} : { enableRateLimit: false }) });
  const api = (ex.urls as { api?: unknown }).api;
  if (api !== null && typeof api === 'object') {
    if (setup.wsUrl) rebaseUrls(api as Record<string, unknown>, /^wss?:\/\/[^/?#]+/, setup.wsUrl);
    if (setup.restUrl) rebaseUrls(api as Record<string, unknown>, /^https?:\/\/[^/?#]+/, setup.restUrl);
  } else if (typeof api === 'string' && setup.restUrl) {
    (ex.urls as { api: unknown }).api = api.replace(/^https?:\/\/[^/?#]+/, setup.restUrl.replace(/\/+$/, ''));
  }
  await ex.loadHttpProxyAgent();
  return ex;
}

/** Every URL string under `api` whose origin matches `origin` gets `base` in its place. */
export function rebaseUrls(api: Record<string, unknown>, origin: RegExp, base: string): void {
  const prefix = base.replace(/\/+$/, '');
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') {
      if (origin.test(value)) api[key] = prefix + value.replace(origin, '');
    } else if (value !== null && typeof value === 'object') {
      rebaseUrls(value as Record<string, unknown>, origin, base);
    }
  }
}

/**
 * The response ccxt's fetch reads (status, headers, text), from a body already read: the same
 * object live and in replay, and one whose text() needs no further event-loop turn.
 */
export function bodyResponse(body: string, status: number, statusText = '', headers: Headers = new Headers()): Response {
  return {
    status, statusText, headers, ok: status >= 200 && status <= 299, url: '',
    text: () => Promise.resolve(body),
    json: () => Promise.resolve(JSON.parse(body) as unknown),
    arrayBuffer: () => Promise.resolve(new TextEncoder().encode(body).buffer),
  } as unknown as Response;
}
