// Health of a running pipeline: healthy / degraded / critical by the error rate over a sliding
// window (≥ 20 % degraded, ≥ 50 % critical), plus uptime, requests and failures, open
// connections, freshness per stream (fresh / stale / expired by the age of its newest event) and
// the memory of the buffers registered with it. Plug `handlers` into a Feed (or call observe /
// request directly); `report()` is cheap and pure apart from the clock.
//
// What counts: every data event received, every connection that opened and every REST request
// that answered is a request that succeeded; every connection that dropped or failed, every
// rejected (malformed) frame, every book gap and every failed REST request is a failure. When all
// streams have expired the status is critical whatever the error rate: a feed that delivers
// nothing is not healthy just because nothing failed.
import type { MarketEvent } from '../core/events.js';
import { nowUs } from '../core/time.js';

export type HealthStatus = 'healthy' | 'degraded' | 'critical';
export type Freshness = 'fresh' | 'stale' | 'expired';

export interface HealthOptions {
  /** Error rate at or above which the status is degraded; default 0.2. */
  degradedAt?: number;
  /** …and critical; default 0.5. */
  criticalAt?: number;
  /** Sliding window of the error rate, ms; default 60000. */
  windowMs?: number;
  /** A stream is stale once its newest event is this old; default 5000. */
  staleAfterMs?: number;
  /** …and expired; default 30000. */
  expiredAfterMs?: number;
  /** µs clock (default nowUs). */
  now?: () => number;
}

/** Something that holds bounded buffers (a BarStore, a queue): asked for its size on each report. */
export interface BufferSource {
  memoryBytes(): number;
  limits(): { series: string; bars: number; capacity: number }[];
}

export interface StreamHealth {
  /** `venue symbol type`, e.g. `binance BTC/USDT trade`. */
  stream: string;
  events: number;
  /** Local receive time of the newest event, µs. */
  lastLocalTs: number;
  ageMs: number;
  freshness: Freshness;
}

export interface HealthReport {
  status: HealthStatus;
  /** Why the status is what it is. */
  reasons: string[];
  /** failures / requests over the window (0 when there were none). */
  errorRate: number;
  windowS: number;
  uptimeS: number;
  /** Since start. */
  requests: number;
  failures: number;
  /** Since start, by kind. */
  counts: { events: number; connects: number; disconnects: number; rejects: number; gaps: number; restOk: number; restFailed: number };
  /** Connections whose last state was CONNECTED. */
  openConnections: number;
  /** Streams not expired. */
  activeStreams: number;
  streams: StreamHealth[];
  buffers: { memoryBytes: number; limits: { series: string; bars: number; capacity: number }[] };
}

/**
 * Sockets remembered as down. Only the statuses one socket's symbols send together need it (and
 * a socket retried without a new id); far more than a venue has sockets reconnecting at once.
 */
const DOWN_REMEMBERED = 256;

const DATA_TYPES = new Set<MarketEvent['type']>(['trade', 'book_change', 'book_snapshot', 'quote', 'ticker', 'derivative', 'liquidation', 'candle']);

interface StreamSlot {
  stream: string;
  events: number;
  lastLocalTs: number;
}

export class HealthMonitor {
  private readonly degradedAt: number;
  private readonly criticalAt: number;
  private readonly windowUs: number;
  private readonly staleUs: number;
  private readonly expiredUs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** One bucket per second of the window: requests and failures (ring, indexed by second). */
  private readonly bucketReq: Float64Array;
  private readonly bucketFail: Float64Array;
  private readonly bucketSec: Float64Array;
  private readonly streams = new Map<string, StreamSlot>();
  private readonly byVenue = new Map<string, Map<string, Map<string, StreamSlot>>>();
  /** Sockets (`venue#connId`) whose last state was CONNECTED. */
  private readonly up = new Set<string>();
  /**
   * Sockets that went down lately, so the per-symbol statuses of one socket count once. A closed
   * socket's id never comes back, so the oldest are forgotten past DOWN_REMEMBERED: keeping every
   * one grew the monitor by an entry per reconnect for the life of the process (issue 10).
   */
  private readonly down = new Set<string>();
  private readonly buffers: BufferSource[] = [];
  private readonly counts = { events: 0, connects: 0, disconnects: 0, rejects: 0, gaps: 0, restOk: 0, restFailed: 0 };

  constructor(opts: HealthOptions = {}) {
    this.degradedAt = opts.degradedAt ?? 0.2;
    this.criticalAt = opts.criticalAt ?? 0.5;
    if (!(this.degradedAt > 0 && this.degradedAt <= this.criticalAt && this.criticalAt <= 1)) {
      throw new RangeError(`health thresholds must satisfy 0 < degradedAt ≤ criticalAt ≤ 1, got ${this.degradedAt} / ${this.criticalAt}`);
    }
    const windowS = Math.max(1, Math.round((opts.windowMs ?? 60_000) / 1000));
    this.windowUs = windowS * 1_000_000;
    this.staleUs = (opts.staleAfterMs ?? 5000) * 1000;
    this.expiredUs = (opts.expiredAfterMs ?? 30_000) * 1000;
    this.now = opts.now ?? nowUs;
    this.startedAt = this.now();
    this.bucketReq = new Float64Array(windowS);
    this.bucketFail = new Float64Array(windowS);
    this.bucketSec = new Float64Array(windowS).fill(-1);
  }

  /** Feed handlers: `new Feed({ handlers: monitor.handlers, … })` (or call them from your own). */
  readonly handlers = {
    event: (ev: MarketEvent): void => this.observe(ev),
    reject: (): void => {
      this.counts.rejects++;
      this.count(false);
    },
  };

  observe(ev: MarketEvent): void {
    if (DATA_TYPES.has(ev.type)) {
      this.counts.events++;
      this.count(true);
      // looked up by parts, not by a key string built per event (this runs for every event)
      let bySymbol = this.byVenue.get(ev.venue);
      if (bySymbol === undefined) this.byVenue.set(ev.venue, (bySymbol = new Map()));
      let byType = bySymbol.get(ev.symbol);
      if (byType === undefined) bySymbol.set(ev.symbol, (byType = new Map()));
      let s = byType.get(ev.type);
      if (s === undefined) {
        const key = `${ev.venue} ${ev.symbol} ${ev.type}`;
        byType.set(ev.type, (s = { stream: key, events: 0, lastLocalTs: 0 }));
        this.streams.set(key, s);
      }
      s.events++;
      if (ev.localTs > s.lastLocalTs) s.lastLocalTs = ev.localTs;
    } else if (ev.type === 'gap' && ev.action !== 'backfill') {
      // a backfill is trades fetched that the stream missed: filled, not lost
      this.counts.gaps++;
      this.count(false);
    } else if (ev.type === 'status' && ev.scope === 'connection' && ev.connId !== undefined) {
      // one status per symbol of the socket arrives; the socket counts once
      const key = `${ev.venue}#${ev.connId}`;
      if (ev.state === 'CONNECTED' && !this.up.has(key)) {
        this.up.add(key);
        this.down.delete(key);
        this.counts.connects++;
        this.count(true);
      } else if ((ev.state === 'RECONNECTING' || ev.state === 'FAILED') && !this.down.has(key)) {
        this.wentDown(key);
        this.counts.disconnects++;
        this.count(false);
      } else if (ev.state === 'DISCONNECTED') this.wentDown(key);
    }
  }

  private wentDown(key: string): void {
    this.up.delete(key);
    this.down.add(key);
    // a Set iterates in insertion order: the first is the socket that went down longest ago
    if (this.down.size > DOWN_REMEMBERED) this.down.delete(this.down.values().next().value as string);
  }

  /** A REST request (or any other unit of work the owner wants counted) and whether it succeeded. */
  request(ok: boolean): void {
    if (ok) this.counts.restOk++;
    else this.counts.restFailed++;
    this.count(ok);
  }

  addBuffers(source: BufferSource): void {
    this.buffers.push(source);
  }

  report(): HealthReport {
    const now = this.now();
    let req = 0, fail = 0;
    const sec = Math.floor(now / 1_000_000);
    const windowS = this.bucketReq.length;
    for (let i = 0; i < windowS; i++) {
      if (this.bucketSec[i] > sec - windowS) {
        req += this.bucketReq[i];
        fail += this.bucketFail[i];
      }
    }
    const errorRate = req > 0 ? fail / req : 0;
    const streams: StreamHealth[] = [];
    let active = 0;
    for (const s of this.streams.values()) {
      const age = now - s.lastLocalTs;
      const freshness: Freshness = age < this.staleUs ? 'fresh' : age < this.expiredUs ? 'stale' : 'expired';
      if (freshness !== 'expired') active++;
      streams.push({ stream: s.stream, events: s.events, lastLocalTs: s.lastLocalTs, ageMs: Math.round(age / 1000), freshness });
    }
    streams.sort((a, b) => (a.stream < b.stream ? -1 : 1));
    const reasons: string[] = [];
    let status: HealthStatus = 'healthy';
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    if (errorRate >= this.criticalAt) {
      status = 'critical';
      reasons.push(`error rate ${pct(errorRate)} ≥ ${pct(this.criticalAt)} (${fail} of ${req} in ${windowS} s)`);
    } else if (errorRate >= this.degradedAt) {
      status = 'degraded';
      reasons.push(`error rate ${pct(errorRate)} ≥ ${pct(this.degradedAt)} (${fail} of ${req} in ${windowS} s)`);
    }
    if (streams.length > 0 && active === 0) {
      status = 'critical';
      reasons.push(`all ${streams.length} streams expired (no event for ${this.expiredUs / 1e6} s)`);
    }
    const openConnections = this.up.size;
    let memoryBytes = 0;
    const limits: HealthReport['buffers']['limits'] = [];
    for (const b of this.buffers) {
      memoryBytes += b.memoryBytes();
      for (const l of b.limits()) limits.push({ series: l.series, bars: l.bars, capacity: l.capacity });
    }
    const c = this.counts;
    return {
      status, reasons, errorRate, windowS, uptimeS: (now - this.startedAt) / 1e6,
      requests: c.events + c.connects + c.restOk + c.disconnects + c.rejects + c.gaps + c.restFailed,
      failures: c.disconnects + c.rejects + c.gaps + c.restFailed,
      counts: { ...c }, openConnections, activeStreams: active, streams, buffers: { memoryBytes, limits },
    };
  }

  private count(ok: boolean): void {
    const sec = Math.floor(this.now() / 1_000_000);
    const i = sec % this.bucketReq.length;
    if (this.bucketSec[i] !== sec) {
      this.bucketSec[i] = sec;
      this.bucketReq[i] = 0;
      this.bucketFail[i] = 0;
    }
    this.bucketReq[i]++;
    if (!ok) this.bucketFail[i]++;
  }
}
