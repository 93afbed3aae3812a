// CaptureSink: what `record` does with a feed. Raw frames, trades, verified book rows and the
// ledger of everything that happened (connects, subscribes, snapshots, state changes, gaps,
// resyncs, rejects) go to each symbol's day directory. Storage-only logic: it consumes core
// types, so a library user can plug the same sink into their own feed.
//
// Trading window (config `window.*`): trades, book rows and raw frames whose localTs falls
// outside the window are not written; ledger rows always are, so the events file explains the
// silence with `window_close` / `window_open` rows at the exact boundary instants. The feed keeps
// running (books stay verified), so the first book row after opening is the next top-N change.
//
// Storage options (config `storage.*`, `live.*`): rotation into parts, Parquet of finished parts,
// retention of the data dir (each pass logged, and ledgered as a `retention` row of the symbols it
// touched), the shared write-backlog budget, and the live rolling files. Write failures are
// logged with path and cause, at most once per WRITE_ERROR_LOG_MS per file (the rest counted).
import type { MarketEvent, Status } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { MarketfeedError } from '../core/errors.js';
import { nowUs, recorderClock, SLEW_RATE, type ClockStep } from '../core/time.js';
import { TradingWindow } from '../core/trading-window.js';
import { Store } from './store.js';
import { PendingBudget } from './gzip-writer.js';
import { LiveFiles, type LiveStats } from './live.js';
import type { RetentionResult } from './retention.js';
import { snapshotRelPath, symbolDirName } from './layout.js';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreOutputs, SymbolStore, SymbolStoreStats } from './symbol-store.js';
import type { LedgerKind } from './ledger.js';

export interface CaptureSinkOptions {
  config: Config;
  /** Directory name under the data dir: the venue id, or `sim-<venue>` for simulated data. */
  venueLabel: string;
  venue: string;
  symbols: string[];
  log: Logger;
}

/** Store totals plus the live files' counters (all 0 when live files are off). */
export interface CaptureStats extends SymbolStoreStats {
  liveLines: number;
  liveDropped: number;
}

const WRITE_ERROR_LOG_MS = 10_000;
const MIN_FILE_BUDGET = 64 * 1024;

export interface CaptureHandlers {
  event(ev: MarketEvent): void;
  raw(frame: RawFrame, symbols: readonly string[]): void;
  snapshot(symbol: string, body: string, localTs: number, lastUpdateId: number): void;
  reject(symbols: readonly string[], reason: string, frame: string, localTs: number): void;
}

export class CaptureSink {
  readonly handlers: CaptureHandlers;
  private readonly store: Store;
  private readonly bySymbol = new Map<string, SymbolStore>();
  private readonly gates = new Map<string, WindowGate>();
  private readonly window: TradingWindow;
  private readonly log: Logger;
  private readonly dataDir: string;
  private readonly venueLabel: string;
  private readonly venue: string;
  private readonly live: LiveFiles | undefined;
  private readonly errorLog = new Map<string, { lastMs: number; suppressed: number }>();
  private closed = false;
  private readonly unhookClock: () => void;

  constructor(opts: CaptureSinkOptions) {
    const cfg = opts.config;
    this.log = opts.log;
    this.unhookClock = recorderClock().onStep((step) => this.clockStepped(step));
    this.dataDir = cfg.dataDir;
    this.venueLabel = opts.venueLabel;
    this.venue = opts.venue;
    const st = cfg.storage;
    const outputs: StoreOutputs = { raw: st.raw, trades: st.trades, book: st.book, events: st.events };
    // The backlog budget is shared by every day file: with 100 symbols a fixed slice per file
    // (640 KiB) was used up by one slow flush round of a busy raw file while the rest sat idle.
    // (A member being compressed is held outside the budget, so the worst case is about twice it.)
    const budget = new PendingBudget(st.maxBufferBytes);
    const files = Math.max(1, opts.symbols.length * Object.values(outputs).filter(Boolean).length + (st.live ? 3 : 0));
    const perFile = Math.max(MIN_FILE_BUDGET, Math.floor(st.maxBufferBytes / files));
    this.store = new Store({
      dataDir: cfg.dataDir,
      venueLabel: opts.venueLabel,
      depth: cfg.depth,
      flushIntervalMs: st.flushIntervalS * 1000,
      outputs,
      parquet: st.parquet,
      rotation: { maxRows: st.maxRows, maxBytes: st.maxBytes, rotateEveryUs: st.rotateEvery * 1000 },
      retention: { maxAgeMs: st.retentionDays * 86_400_000, maxBytes: st.retentionMaxBytes },
      onRetention: (r) => this.retained(r),
      budget,
      onError: (e: MarketfeedError) => this.writeFailed(e),
    });
    this.live = st.live
      ? new LiveFiles({
        dataDir: cfg.dataDir, rotateS: cfg.live.rotateS, retentionS: cfg.live.retentionS, maxBufferBytes: perFile,
        onError: (e) => this.writeFailed(e),
      })
      : undefined;
    this.window = new TradingWindow(cfg.window ?? { tz: 'UTC', startHhmm: '', endHhmm: '', endDayOffset: 0 });
    for (const s of opts.symbols) {
      const store = this.store.symbol(s);
      this.bySymbol.set(s, store);
      this.gates.set(s, new WindowGate(this.window, store));
    }
    this.handlers = {
      event: (ev) => this.event(ev),
      raw: (f, symbols) => {
        for (let i = 0; i < symbols.length; i++) {
          const s = this.bySymbol.get(symbols[i]);
          if (s !== undefined && this.gates.get(symbols[i])!.allows(f.localTs)) s.raw(f);
        }
        // the subscription is either in the URL (combined streams) or in a frame we sent
        if (f.dir === 'out' && !f.keepalive) this.ledgerAll(symbols, 'subscribe', '', `connId=${f.connId} sent ${f.data}`, f.localTs);
        else if (f.dir === 'conn' && f.data.startsWith('open ')) this.ledgerAll(symbols, 'subscribe', '', `connId=${f.connId} ${f.data}`, f.localTs);
      },
      snapshot: (symbol, body, localTs, lastUpdateId) => {
        const s = this.bySymbol.get(symbol);
        if (!s) return;
        this.gates.get(symbol)!.allows(localTs); // the snapshot is ledgered either way; this only moves the window on
        const id = s.ledger('snapshot', '', (eventId) => `lastUpdateId=${lastUpdateId} file=${snapshotRelPath(eventId, 'rest')}`, localTs, localTs);
        s.snapshot(id, 'rest', body, localTs).catch((e: Error) => this.log.error({ symbol, err: e.message }, 'snapshot file not written'));
      },
      reject: (symbols, reason, frame, localTs) => {
        this.ledgerAll(symbols, 'reject', '', `${reason}: ${frame.length > 200 ? frame.slice(0, 200) + '…' : frame}`, localTs);
      },
    };
  }

  runStart(detail: string, at: number = nowUs()): void {
    const t = at;
    for (const symbol of this.bySymbol.keys()) this.writeSymbolFile(symbol);
    this.ledgerAll([...this.bySymbol.keys()], 'run_start', '', detail, t, false);
  }

  /**
   * `<dataDir>/<venue>/<SYMBOL_FS>/symbol.json` names the unified symbol behind the file-system
   * name (`BTCUSDTUSDT` → `BTC/USDT:USDT`) for readers such as `marketfeed query`.
   */
  private writeSymbolFile(symbol: string): void {
    const dir = join(this.dataDir, this.venueLabel, symbolDirName(symbol));
    const path = join(dir, 'symbol.json');
    if (existsSync(path)) return;
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ symbol, venue: this.venue }) + '\n');
      renameSync(tmp, path);
    } catch (e) {
      this.log.error({ path, err: (e as Error).message }, 'symbol.json not written');
    }
  }

  runStop(detail: string, at: number = nowUs()): void {
    const t = at;
    this.ledgerAll([...this.bySymbol.keys()], 'run_stop', '', detail, t, false);
  }

  stats(): CaptureStats {
    const l: LiveStats | undefined = this.live?.stats;
    return { ...this.store.stats, liveLines: l?.lines ?? 0, liveDropped: l?.dropped ?? 0 };
  }

  /** Runs a retention pass now (it also runs at start and every minute when configured). */
  retain(): Promise<RetentionResult | undefined> {
    return this.store.retain();
  }

  /** Rotates the live files now (they also rotate every live.rotateS). */
  rotateLive(): Promise<void> {
    return this.live?.rotate() ?? Promise.resolve();
  }

  /** Logs a write failure: the first per file at once, repeats at most every WRITE_ERROR_LOG_MS. */
  private writeFailed(e: MarketfeedError): void {
    const key = e.path ?? '';
    const now = performance.now(); // monotonic: a wall clock step back must not silence this for hours
    const seen = this.errorLog.get(key);
    if (seen !== undefined && now - seen.lastMs < WRITE_ERROR_LOG_MS) {
      seen.suppressed++;
      return;
    }
    const cause = (e.cause as NodeJS.ErrnoException | undefined);
    this.log.error({ code: e.code, path: e.path, cause: cause?.code ?? cause?.message, err: e.message, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) }, 'write failed');
    this.errorLog.set(key, { lastMs: now, suppressed: 0 });
  }

  /** A wall clock step the clock policy saw (core/time.ts): one line each, with its size. */
  private clockStepped(step: ClockStep): void {
    const at = new Date(Math.floor(step.atUs / 1000)).toISOString();
    if (step.direction === 'forward') {
      this.log.warn({ stepS: step.sizeUs / 1e6, at }, 'wall clock stepped forward: local time follows it');
    } else {
      this.log.warn({ stepS: step.sizeUs / 1e6, at, catchUpS: Math.round(step.catchUpMs / 1000), speed: SLEW_RATE },
        'wall clock stepped back: local time holds its order and runs slow until the wall clock catches up');
    }
  }

  /** Logs what retention deleted and ledgers it in each affected symbol this sink records. */
  private retained(r: RetentionResult): void {
    for (const d of r.deleted) this.log.info({ path: d.rel, bytes: d.file.bytes, reason: d.reason }, 'retention deleted a file');
    for (const f of r.failed) this.log.error({ path: f.path, err: (f.cause as Error)?.message }, 'retention could not delete a file');
    if (this.closed) return;
    const bySymbol = new Map<string, { files: number; bytes: number; reasons: Set<string> }>();
    for (const d of r.deleted) {
      const [venue, fs] = d.rel.split('/');
      if (venue !== this.venueLabel) continue;
      const agg = bySymbol.get(fs) ?? { files: 0, bytes: 0, reasons: new Set<string>() };
      agg.files++;
      agg.bytes += d.file.bytes;
      agg.reasons.add(d.reason);
      bySymbol.set(fs, agg);
    }
    const t = nowUs();
    for (const [symbol, s] of this.bySymbol) {
      const agg = bySymbol.get(symbolDirName(symbol));
      if (agg === undefined) continue;
      s.ledger('retention', '', `deleted_files=${agg.files} deleted_bytes=${agg.bytes} reason=${[...agg.reasons].join('+')} data_dir_bytes=${r.keptBytes}`, t, t);
    }
  }

  async flush(): Promise<void> {
    await this.store.flushAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unhookClock();
    await this.live?.close();
    await this.store.closeAll();
  }

  private event(ev: MarketEvent): void {
    const s = this.bySymbol.get(ev.symbol);
    if (!s) return;
    const open = this.gates.get(ev.symbol)!.allows(ev.localTs);
    switch (ev.type) {
      case 'trade':
        if (open) {
          s.trade(ev);
          this.live?.trade(ev);
        }
        return;
      case 'book_change':
        // only produced when live files are on (record turns emitChanges on for them)
        if (open) this.live?.depthDiff(ev);
        return;
      case 'book_snapshot':
        if (open) {
          s.book(ev);
          this.live?.event(ev);
        }
        return;
      case 'status':
        this.status(s, ev);
        this.live?.event(ev);
        return;
      case 'gap':
        // an advisory finding (action none: nothing was resynced) is a warning, not a gap; missing
        // trades fetched over REST are a backfill row naming the range
        s.ledger(ev.action === 'none' ? 'warn' : ev.action === 'backfill' ? 'backfill' : 'gap', '', `${ev.scope}: expected ${ev.expected}, got ${ev.got}; ${ev.reason}; action=${ev.action}`, ev.ts, ev.localTs);
        this.live?.event(ev);
        return;
      default:
        // quotes, tickers and derivative events live in the raw capture (their files come later)
        // and in the live events file
        if (open) this.live?.event(ev);
        return;
    }
  }

  private status(s: SymbolStore, ev: Status): void {
    const reason = ev.reason ?? '';
    if (ev.scope === 'connection') {
      const kind = ev.state === 'CONNECTED' ? 'connect' : ev.state === 'CONNECTING' ? 'state' : 'disconnect';
      s.ledger(kind, ev.state, `connection connId=${ev.connId ?? ''}${reason ? ' ' + reason : ''}`, ev.ts, ev.localTs);
      return;
    }
    s.ledger(ev.state === 'RESYNCING' ? 'resync' : 'state', ev.state, `book${reason ? ' ' + reason : ''}`, ev.ts, ev.localTs);
  }

  /** Ledger rows for symbols; `gate` moves each symbol's window on first so rows stay in time order. */
  private ledgerAll(symbols: readonly string[], kind: LedgerKind, state: string, detail: string, localTs: number, gate = true): void {
    for (let i = 0; i < symbols.length; i++) {
      const s = this.bySymbol.get(symbols[i]);
      if (s === undefined) continue;
      if (gate) this.gates.get(symbols[i])!.allows(localTs);
      s.ledger(kind, state, detail, localTs, localTs);
    }
  }
}

/**
 * One symbol's view of the trading window. O(1) per row: the window (Intl) is asked only when a
 * row reaches the cached next boundary, or for a row older than the last change (another
 * connection's late frame), which is judged by its own localTs.
 */
class WindowGate {
  private open = true;
  /** Rows with localTs at or after this must move the window on; -Infinity before the first row. */
  private nextUs: number;
  private changedUs = -Infinity;

  constructor(private readonly window: TradingWindow, private readonly store: SymbolStore) {
    this.nextUs = window.alwaysOpen ? Infinity : -Infinity;
  }

  /** Whether market data at localTs is recorded; ledgers every open/close crossed on the way. */
  allows(localTs: number): boolean {
    if (localTs < this.nextUs) return localTs >= this.changedUs ? this.open : this.window.isOpen(localTs);
    if (this.nextUs === -Infinity) {
      // first row: say where the window stands, so a capture that starts closed explains itself
      this.open = this.window.isOpen(localTs);
      this.changedUs = localTs;
      this.nextUs = this.window.nextChange(localTs);
      this.ledger(localTs, ' at_start=1');
      return this.open;
    }
    while (localTs >= this.nextUs) {
      const at = this.nextUs;
      const open = this.window.isOpen(at);
      this.nextUs = this.window.nextChange(at);
      if (open === this.open) continue; // a recheck point of a window 24 h or longer
      this.open = open;
      this.changedUs = at;
      this.ledger(at, '');
    }
    return this.open;
  }

  private ledger(at: number, extra: string): void {
    const w = this.window.spec;
    const next = Number.isFinite(this.nextUs) ? new Date(Math.floor(this.nextUs / 1000)).toISOString() : 'never';
    const detail = `tz=${w.tz} start=${w.startHhmm} end=${w.endHhmm} end_day_offset=${w.endDayOffset} next_change=${next}${extra}`;
    this.store.ledger(this.open ? 'window_open' : 'window_close', '', detail, at, at);
  }
}
