// RestClient against a local node:http server on 127.0.0.1 (port 0), with small real delays.
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { RawFrame } from '../core/frames.js';
import { isMarketfeedError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { RestClient, type RestClientOptions } from './rest.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Hit {
  at: number;
  url: string;
}

/** A venue whose answers are scripted per request: `script(n)` handles the n-th request (from 0). */
async function venue(script: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ baseUrl: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    hits.push({ at: Date.now(), url: req.url ?? '' });
    script(hits.length - 1, req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

function client(baseUrl: string, over: Partial<RestClientOptions> = {}): RestClient {
  return new RestClient({ venue: 'testvenue', baseUrl, timeoutMs: 1000, weightPerMinute: 6000, retryBaseMs: 10, ...over });
}

const json = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('RestClient', () => {
  it('returns the body, status and headers, and records the body as a rest RawFrame', async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 200, '{"lastUpdateId":1027024}', { 'x-mbx-used-weight-1m': '5' }));
    const frames: RawFrame[] = [];
    const rest = client(baseUrl + '/', { onFrame: (f) => frames.push(f) });
    const res = await rest.get('/api/v3/depth?symbol=BTCUSDT&limit=5', { weight: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"lastUpdateId":1027024}');
    expect(res.url).toBe(`${baseUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`);
    expect(res.headers.get('x-mbx-used-weight-1m')).toBe('5');
    expect(hits.map((h) => h.url)).toEqual(['/api/v3/depth?symbol=BTCUSDT&limit=5']);
    expect(frames).toEqual([{ venue: 'testvenue', connId: 0, recvSeq: 1, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url }]);
    expect(rest.stats).toEqual({ requests: 1, failures: 0, rateLimited: 0, weightUsed: 5, venueWeightUsed: -1 });
  });

  it('waits for the weight budget before sending', async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 200, '{}'));
    // 60 000 per minute = 1 per ms: after spending it all, weight 100 needs ~100 ms of refill.
    const rest = client(baseUrl, { weightPerMinute: 60_000 });
    const t0 = Date.now(); // the bucket is emptied just after this
    await rest.get('/a', { weight: 60_000 });
    await rest.get('/b', { weight: 100 });
    expect(hits[1].at - t0).toBeGreaterThanOrEqual(90);
    expect(rest.stats.weightUsed).toBe(60_100);
  });

  it('admit takes the weight up front: the admitted request goes without taking it again', async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 200, '{}'));
    const rest = client(baseUrl, { weightPerMinute: 10 }); // one request of 10 per minute
    await rest.admit(10);
    await rest.get('/admitted', { weight: 10, admitted: true });
    const ac = new AbortController();
    const next = rest.get('/next', { weight: 10, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(rest.waiting).toBe(1);
    ac.abort(new Error('enough'));
    await expect(next).rejects.toThrow('enough');
    expect(hits.map((h) => h.url)).toEqual(['/admitted']);
    expect(rest.stats.weightUsed).toBe(10);
  });

  it("follows the venue's used-weight header: a window it says is at the ceiling holds the next request", async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 200, '{}', { 'X-MBX-USED-WEIGHT-1M': '5390' }));
    const minuteStartUs = 29_000_000 * 60_000_000; // a frozen clock at the start of a minute
    const rest = client(baseUrl, {
      weightPerMinute: 4800, venueLimit: 6000, usedWeightHeader: { name: 'X-MBX-USED-WEIGHT-1M', windowMs: 60_000 }, now: () => minuteStartUs,
    });
    await rest.get('/first', { weight: 10 }); // the bucket holds 4790 more, but the venue counts 5390 of 6000 used
    expect(rest.stats.venueWeightUsed).toBe(5390);
    await rest.get('/fits', { weight: 10 }); // 5400 = 90 % of 6000, the ceiling
    const ac = new AbortController();
    const over = rest.get('/over', { weight: 1, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(rest.waiting).toBe(1);
    ac.abort(new Error('enough'));
    await expect(over).rejects.toThrow('enough');
    expect(hits.map((h) => h.url)).toEqual(['/first', '/fits']);
  });

  it('resizes its budget when the venue limit becomes known', async () => {
    const { baseUrl } = await venue((_n, _req, res) => json(res, 200, '{}'));
    const rest = client(baseUrl, { weightPerMinute: 1200 });
    await rest.get('/listing', { weight: 20 });
    rest.limitTo(4800, 6000);
    expect(rest.weightPerMinute).toBe(4800);
    await rest.get('/depth', { weight: 4780 }); // all that is left after the listing, at once
  });

  it('pauses ALL requests for Retry-After after a 429, then retries', async () => {
    const { baseUrl, hits } = await venue((n, _req, res) =>
      n === 0 ? json(res, 429, '{"code":-1003}', { 'retry-after': '0.25' }) : json(res, 200, '{"ok":true}'),
    );
    const rest = client(baseUrl);
    const first = rest.get('/first');
    await new Promise((r) => setTimeout(r, 50)); // the 429 has arrived; the pause is on
    const second = rest.get('/second');
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(hits.length).toBe(3);
    for (const h of hits.slice(1)) expect(h.at - hits[0].at).toBeGreaterThanOrEqual(240);
    expect(rest.stats).toMatchObject({ requests: 3, rateLimited: 1, failures: 0 });
  });

  it('gives up with MF_ERR_RATE_LIMITED when 418s outlast the retries', async () => {
    const { baseUrl } = await venue((_n, _req, res) => json(res, 418, '{"code":-1003}', { 'retry-after': '0.01' }));
    const err = await rejection(client(baseUrl, { maxRetries: 1 }).get('/x'));
    expect(isMarketfeedError(err, 'MF_ERR_RATE_LIMITED')).toBe(true);
    expect(err).toMatchObject({ status: 418, retryAfterMs: 10, venue: 'testvenue' });
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    const { baseUrl, hits } = await venue((n, _req, res) => (n < 2 ? json(res, 503, 'busy') : json(res, 200, '{}')));
    const rest = client(baseUrl, { retryBaseMs: 20, log: silentLogger }); // pino fits TransportLog
    const res = await rest.get('/x');
    expect(res.status).toBe(200);
    expect(hits.length).toBe(3);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(18); // 20 ms, then 40 ms
    expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(38);
    expect(rest.stats).toMatchObject({ requests: 3, failures: 2 });
  });

  it('throws MF_ERR_HTTP with the status when 5xx outlasts maxRetries', async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 500, 'oops'));
    const err = await rejection(client(baseUrl, { maxRetries: 2 }).get('/x'));
    expect(isMarketfeedError(err, 'MF_ERR_HTTP')).toBe(true);
    expect(err).toMatchObject({ status: 500, venue: 'testvenue' });
    expect(String((err as Error).message)).toContain(`${baseUrl}/x`);
    expect(hits.length).toBe(3);
  });

  it('throws MF_ERR_UNREACHABLE when the connection is refused', async () => {
    const tcp = createTcpServer().listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const port = (tcp.address() as { port: number }).port;
    await new Promise<void>((r) => tcp.close(() => r()));
    const rest = client(`http://127.0.0.1:${port}`, { maxRetries: 1 });
    const err = await rejection(rest.get('/x'));
    expect(isMarketfeedError(err, 'MF_ERR_UNREACHABLE')).toBe(true);
    expect(err).toMatchObject({ got: 'ECONNREFUSED', venue: 'testvenue' });
    expect(rest.stats).toMatchObject({ requests: 2, failures: 2 });
  });

  it('returns a 400 with its body, without retrying (the venue error code is for the caller)', async () => {
    const { baseUrl, hits } = await venue((_n, _req, res) => json(res, 400, '{"code":-1121,"msg":"Invalid symbol."}'));
    const res = await client(baseUrl).get('/api/v3/depth?symbol=NOPE');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    expect(hits.length).toBe(1);
  });

  it('retries a request that timed out', async () => {
    const { baseUrl, hits } = await venue((n, _req, res) => {
      if (n > 0) json(res, 200, '{"late":false}'); // the first request is never answered
    });
    const rest = client(baseUrl, { timeoutMs: 80 });
    const res = await rest.get('/x');
    expect(res.body).toBe('{"late":false}');
    expect(hits.length).toBe(2);
    expect(rest.stats.failures).toBe(1);
  });

  it('throws MF_ERR_HTTP when every attempt times out', async () => {
    const { baseUrl } = await venue(() => {});
    const err = await rejection(client(baseUrl, { timeoutMs: 30, maxRetries: 1 }).get('/x'));
    expect(isMarketfeedError(err, 'MF_ERR_HTTP')).toBe(true);
    expect((err as Error).message).toContain('no response within 30 ms');
  });

  it('stops waiting at once when the caller aborts', async () => {
    const { baseUrl, hits } = await venue((n, _req, res) => json(res, 429, '{}', { 'retry-after': '30' }));
    const rest = client(baseUrl);
    const ac = new AbortController();
    const pending = rest.get('/x', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50)); // now paused for 30 s
    const t0 = Date.now();
    ac.abort(new Error('shutting down'));
    const err = await rejection(pending);
    expect((err as Error).message).toBe('shutting down');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(hits.length).toBe(1);
  });

  it('aborts a request in flight', async () => {
    const { baseUrl } = await venue(() => {});
    const ac = new AbortController();
    const pending = client(baseUrl).get('/x', { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const err = await rejection(pending);
    expect((err as Error).name).toBe('AbortError');
  });
});
