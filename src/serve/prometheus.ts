// GET /metrics: Prometheus text format from prom-client, every name prefixed `marketfeed_`.
// Counters are read at scrape time from the same numbers the recorder ledgers in `run_stop`
// (Feed.stats(), CaptureSink.stats()), so a scrape and the ledger never disagree; without a
// recorder in this process (`serve --data-dir`) the stream counters come from the events seen.
// Histograms: REST snapshot duration, and receipt → emission time of every data event (the
// latter observed on the hot path: one clock read and one bucket increment per event).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MarketEvent } from '../core/events.js';
import { heapAfterGc } from '../core/heap-after-gc.js';
import { nowUs } from '../core/time.js';
import type { FeedStats } from '../pipeline/feed.js';
import { BookState } from '../core/events.js';
import type { ServeHub } from './hub.js';
import type { RelayStats } from './relay.js';

/** What a recorder in this process reports (absent for `serve --data-dir`). */
export interface RecorderStats {
  venue: string;
  feed(): FeedStats;
  storage(): { rowsTrades: number; rowsBook: number; rowsEvents: number; rawFrames: number; bytesWritten: number; writeErrors: number; droppedRows: number; liveLines?: number; liveDropped?: number };
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type PerSymbol = 'gaps' | 'resyncs' | 'rejects' | 'checksumChecks' | 'checksumMismatches' | 'quoteChecks' | 'quoteMismatches' | 'duplicateTrades';

const PER_SYMBOL: [PerSymbol, string, string][] = [
  ['gaps', 'gaps_total', 'book sequence or checksum gaps found (each resynced)'],
  ['resyncs', 'resyncs_total', 'book resyncs'],
  ['rejects', 'rejects_total', 'malformed frames rejected'],
  ['checksumChecks', 'checksum_checks_total', 'venue book checksums compared'],
  ['checksumMismatches', 'checksum_mismatches_total', 'venue book checksums that disagreed'],
  ['quoteChecks', 'quote_checks_total', 'books compared with the venue best bid/ask at the same update id'],
  ['quoteMismatches', 'quote_mismatches_total', 'quote checks that disagreed'],
  ['duplicateTrades', 'duplicate_trades_total', 'trades dropped as already seen'],
];

const NONE: Record<PerSymbol, number> = {
  gaps: 0, resyncs: 0, rejects: 0, checksumChecks: 0, checksumMismatches: 0, quoteChecks: 0, quoteMismatches: 0, duplicateTrades: 0,
};

export class Prometheus {
  readonly registry = new Registry();
  private readonly latency: Histogram<string>;
  private readonly snapshotSeconds: Histogram<'venue' | 'outcome'>;

  constructor(hub: ServeHub, relay: () => RelayStats, recorder?: RecorderStats) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'marketfeed_' });
    this.latency = new Histogram({
      name: 'marketfeed_event_latency_seconds', help: 'time from a frame\'s receipt to its event\'s emission in this process', registers: [r],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
    this.snapshotSeconds = new Histogram({
      name: 'marketfeed_snapshot_request_duration_seconds', help: 'REST book snapshot requests, from asking (rate-limit wait included) to the answer',
      labelNames: ['venue', 'outcome'], registers: [r], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });

    const bySymbol = (): { venue: string; symbol: string; s: Record<PerSymbol, number> }[] => {
      if (recorder !== undefined) {
        const f = recorder.feed();
        const out = f.symbols.map((s): { venue: string; symbol: string; s: Record<PerSymbol, number> } => ({ venue: recorder.venue, symbol: s.symbol, s }));
        // rejected frames no symbol could be told from (a malformed frame names none): symbol "*",
        // so the per-symbol series add up to the run's total as run_stop ledgers it
        const unattributed = f.rejects - f.symbols.reduce((n, s) => n + s.rejects, 0);
        out.push({ venue: recorder.venue, symbol: '*', s: { ...NONE, rejects: Math.max(0, unattributed) } });
        return out;
      }
      // serve --data-dir: what the events say
      return hub.states().map((st) => ({ venue: st.ref.venue, symbol: st.ref.symbol, s: { ...NONE, gaps: st.counters.gaps, resyncs: st.counters.resyncs } }));
    };
    for (const [field, name, help] of PER_SYMBOL) {
      new Counter({
        name: `marketfeed_${name}`, help, labelNames: ['venue', 'symbol'], registers: [r],
        collect() {
          this.reset();
          for (const x of bySymbol()) this.inc({ venue: x.venue, symbol: x.symbol }, x.s[field]);
        },
      });
    }
    new Gauge({
      name: 'marketfeed_book_state', help: 'book state per symbol: 1 for the current state', labelNames: ['venue', 'symbol', 'state'], registers: [r],
      collect() {
        this.reset();
        for (const st of hub.states()) {
          if (st.ref.depth === 0) continue;
          for (const state of BookState.options) this.set({ venue: st.ref.venue, symbol: st.ref.symbol, state }, st.bookState === state ? 1 : 0);
        }
      },
    });
    new Counter({
      name: 'marketfeed_events_total', help: 'data events seen by the server, per symbol', labelNames: ['venue', 'symbol'], registers: [r],
      collect() {
        this.reset();
        for (const st of hub.states()) this.inc({ venue: st.ref.venue, symbol: st.ref.symbol }, st.counters.messages);
      },
    });
    heapAfterGc(); // watching from now
    new Gauge({
      name: 'marketfeed_heap_after_gc_bytes', help: 'V8 old generation in use after the last full collection (the live heap a leak grows; 0 before the first)', registers: [r],
      collect() {
        this.set(heapAfterGc().bytes);
      },
    });
    new Gauge({
      name: 'marketfeed_relay_clients', help: 'relay WebSocket clients connected', registers: [r],
      collect() {
        this.set(relay().clients);
      },
    });
    new Counter({
      name: 'marketfeed_relay_dropped_clients_total', help: 'relay clients closed (1013) for reading too slowly', registers: [r],
      collect() {
        this.reset();
        this.inc(relay().dropped);
      },
    });
    new Counter({
      name: 'marketfeed_relay_conflated_total', help: 'book messages replaced by a newer one while a slow client caught up', registers: [r],
      collect() {
        this.reset();
        this.inc(relay().conflated);
      },
    });
    if (recorder !== undefined) this.recorderMetrics(recorder);
  }

  /** Receipt → emission time of a data event (called for every event). */
  observe(ev: MarketEvent): void {
    if (ev.type === 'status' || ev.type === 'gap' || ev.type === 'candle' || ev.localTs <= 0) return;
    const us = nowUs() - ev.localTs;
    if (us >= 0) this.latency.observe(us / 1e6);
  }

  snapshotTiming(venue: string, seconds: number, ok: boolean): void {
    this.snapshotSeconds.observe({ venue, outcome: ok ? 'ok' : 'failed' }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private recorderMetrics(rec: RecorderStats): void {
    const r = this.registry;
    const venue = rec.venue;
    const feedCounter = (name: string, help: string, pick: (f: FeedStats) => number): void => {
      new Counter({
        name: `marketfeed_${name}`, help, labelNames: ['venue'], registers: [r],
        collect() {
          this.reset();
          this.inc({ venue }, pick(rec.feed()));
        },
      });
    };
    feedCounter('frames_total', 'websocket frames received', (f) => f.framesIn);
    feedCounter('bytes_total', 'websocket bytes received', (f) => f.bytesIn);
    feedCounter('reconnects_total', 'websocket reconnects', (f) => f.reconnects);
    new Counter({
      name: 'marketfeed_rows_written_total', help: 'rows appended to the day files, by file kind', labelNames: ['kind'], registers: [r],
      collect() {
        this.reset();
        const s = rec.storage();
        this.inc({ kind: 'trades' }, s.rowsTrades);
        this.inc({ kind: 'book' }, s.rowsBook);
        this.inc({ kind: 'events' }, s.rowsEvents);
        this.inc({ kind: 'raw' }, s.rawFrames);
        this.inc({ kind: 'live' }, s.liveLines ?? 0);
      },
    });
    const storageCounter = (name: string, help: string, pick: (s: ReturnType<RecorderStats['storage']>) => number): void => {
      new Counter({
        name: `marketfeed_${name}`, help, registers: [r],
        collect() {
          this.reset();
          this.inc(pick(rec.storage()));
        },
      });
    };
    storageCounter('bytes_written_total', 'compressed bytes appended to the day files', (s) => s.bytesWritten);
    storageCounter('write_errors_total', 'failed writes (retried; data kept in memory within storage.maxBufferBytes)', (s) => s.writeErrors);
    storageCounter('dropped_rows_total', 'rows dropped by full write buffers (each ledgered as storage_gap) or live-file backlog', (s) => s.droppedRows + (s.liveDropped ?? 0));
  }
}
