// The REST routes on the serve port: /snapshot, /streams, /trades, /candles, /timeline, /health.
// Each is a function of the hub (and, for stored candles, of the data dir's candle files of a
// resolved stream — never of a path a client sent) to a status and a JSON body.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bar } from '../core/bar.js';
import { symbolFs } from '../core/symbols.js';
import type { HealthMonitor } from '../pipeline/health.js';
import { timeframeMs } from '../history/timeframe.js';
import { candlePath, readCandles } from '../storage/candles.js';
import { TRADES_KEPT, type ServeHub } from './hub.js';
import { parseDepth, parseLimit } from './params.js';
import type { StreamRef } from './types.js';

export interface Reply {
  status: number;
  body: unknown;
}

const bad = (status: number, error: string, extra: Record<string, unknown> = {}): Reply => ({ status, body: { error, ...extra } });

/** Candle files read at most per request (days, newest first). */
const MAX_CANDLE_DAYS = 31;
const MAX_CANDLES = 5000;

export class RestRoutes {
  constructor(private readonly hub: ServeHub, private readonly health: HealthMonitor) {}

  /** The reply for GET `path`; undefined when the path is not a REST route. */
  async handle(path: string, q: URLSearchParams): Promise<Reply | undefined> {
    switch (path) {
      case '/snapshot': return this.snapshot(q);
      case '/streams': return this.streams();
      case '/trades': return this.trades(q);
      case '/candles': return this.candles(q);
      case '/timeline': return this.timeline(q);
      case '/health': return { status: 200, body: this.health.report() };
      default: return undefined;
    }
  }

  private stream(q: URLSearchParams): StreamRef | Reply {
    const r = this.hub.resolve(q.get('exchange') ?? q.get('venue') ?? '', q.get('symbol') ?? '');
    return r.ok ? r.stream : bad(r.status, r.error);
  }

  private snapshot(q: URLSearchParams): Reply {
    const ref = this.stream(q);
    if ('status' in ref) return ref;
    const depth = parseDepth(q.get('depth'), ref.depth);
    if (typeof depth === 'string') return bad(400, depth);
    const s = this.hub.state(ref.venue, ref.venueSymbol)!;
    const b = s.book;
    if (b === undefined) {
      return bad(503, `no verified book for ${ref.symbol} on ${ref.venue}: the book is ${s.bookState}${s.bookReason ? ` (${s.bookReason})` : ''}`, { state: s.bookState });
    }
    return {
      status: 200,
      body: {
        venue: b.venue, symbol: b.symbol, venueSymbol: b.venueSymbol, state: 'SYNCED', updateId: b.updateId, ts: b.ts, localTs: b.localTs,
        depth: Math.min(depth, b.depth), bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth),
      },
    };
  }

  private streams(): Reply {
    const now = Date.now() * 1000;
    const streams = this.hub.states().map((s) => ({
      venue: s.ref.venue, symbol: s.ref.symbol, venueSymbol: s.ref.venueSymbol, state: s.bookState,
      messages: s.counters.messages, messagesPerS: Math.round(s.messagesPerS * 10) / 10,
      gaps: s.counters.gaps, resyncs: s.counters.resyncs, reconnects: s.counters.reconnects,
      lastLocalTs: s.counters.lastLocalTs, ageMs: s.counters.lastLocalTs > 0 ? Math.max(0, Math.round((now - s.counters.lastLocalTs) / 1000)) : null,
      depth: s.ref.depth,
    }));
    return { status: 200, body: { streams } };
  }

  private trades(q: URLSearchParams): Reply {
    const ref = this.stream(q);
    if ('status' in ref) return ref;
    const limit = parseLimit(q.get('limit'), 100, TRADES_KEPT);
    if (typeof limit === 'string') return bad(400, limit);
    const s = this.hub.state(ref.venue, ref.venueSymbol)!;
    return { status: 200, body: { venue: ref.venue, symbol: ref.symbol, venueSymbol: ref.venueSymbol, trades: s.trades.last(limit) } };
  }

  private timeline(q: URLSearchParams): Reply {
    const limit = parseLimit(q.get('limit'), 200, 2000);
    if (typeof limit === 'string') return bad(400, limit);
    let ref: StreamRef | undefined;
    if (q.has('symbol') || q.has('exchange') || q.has('venue')) {
      const r = this.stream(q);
      if ('status' in r) return r;
      ref = r;
    }
    const all = this.hub.timeline.last();
    const events = ref === undefined ? all : all.filter((e) => e.venue === ref.venue && e.symbol === ref.symbol);
    return { status: 200, body: { events: events.slice(-limit) } };
  }

  /** Stored bars (the data dir's candle files of this timeframe) joined with the live ones. */
  private async candles(q: URLSearchParams): Promise<Reply> {
    const ref = this.stream(q);
    if ('status' in ref) return ref;
    const timeframe = q.get('timeframe') ?? '1m';
    let lenUs: number;
    try {
      lenUs = timeframeMs(timeframe) * 1000;
    } catch (e) {
      return bad(400, `${(e as Error).message}: use e.g. 1s, 1m, 5m, 15m, 1h, 4h, 1d`);
    }
    const limit = parseLimit(q.get('limit'), 500, MAX_CANDLES);
    if (typeof limit === 'string') return bad(400, limit);
    const byOpen = new Map<number, CandleOut>();
    for (const c of await this.storedCandles(ref, timeframe, limit)) byOpen.set(c.openTs, c);
    const live = this.hub.state(ref.venue, ref.venueSymbol)!.candles.get(timeframe);
    for (const c of live?.last() ?? []) {
      // a stored bar (the venue's own, fetched by `history candles`) wins over one built here,
      // which may have started mid-bar when the recorder did
      if (byOpen.has(c.openTs)) continue;
      byOpen.set(c.openTs, {
        openTs: c.openTs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, trades: c.trades,
        synthetic: c.synthetic, closed: c.closed, source: 'live',
      });
    }
    const candles = [...byOpen.values()].sort((a, b) => a.openTs - b.openTs).slice(-limit);
    return { status: 200, body: { venue: ref.venue, symbol: ref.symbol, venueSymbol: ref.venueSymbol, timeframe, barUs: lenUs, candles } };
  }

  private async storedCandles(ref: StreamRef, timeframe: string, limit: number): Promise<CandleOut[]> {
    let days: string[];
    try {
      days = (await readdir(join(this.hub.dataDir, ref.label, symbolFs(ref.symbol)))).filter((d) => /^\d{8}$/.test(d)).sort().reverse();
    } catch {
      return [];
    }
    const out: CandleOut[] = [];
    for (const day of days.slice(0, MAX_CANDLE_DAYS)) {
      const rows = await readCandles(candlePath(this.hub.dataDir, ref.label, ref.symbol, timeframe, day)).catch(() => []);
      for (const r of rows) {
        out.push({
          openTs: r.ts, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, trades: r.trades,
          synthetic: r.synthetic, closed: true, source: 'stored',
        });
      }
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** A bar as /candles answers: the stored Bar's fields, its open time named as on candle events. */
type CandleOut = Omit<Bar, 'ts'> & { openTs: number; closed: boolean; source: 'stored' | 'live' };
