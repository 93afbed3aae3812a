// validate --capture: checks a cryptofeed-format capture file directly (no recorded day needed).
// Its frames run through the venue's real decoder and books (FeedCore, as live capture), and the
// report says, per symbol, how many venue checksums verified and failed, and how many sequence
// gaps the book rule found. Clean = nothing failed and no gap.
import { existsSync } from 'node:fs';
import { MarketfeedError } from '../core/errors.js';
import { silentLogger } from '../core/log.js';
import { FeedCore, type SymbolStats } from '../venues/feed-core.js';
import { getVenue } from '../venues/index.js';
import { readCryptofeedCapture, symbolsOfCapture } from './cryptofeed.js';
import { restSymbol } from './replay.js';

export interface CaptureReport {
  capture: string;
  venue: string;
  frames: number;
  symbols: (Pick<SymbolStats, 'symbol' | 'applied' | 'stale' | 'snapshots' | 'gaps' | 'rejects' | 'checksumChecks' | 'checksumMismatches' | 'quoteChecks' | 'quoteMismatches'> & {
    checksumsVerified: number;
  })[];
  checksumsVerified: number;
  checksumsFailed: number;
  gaps: number;
  rejects: number;
  /** Venue best bid/ask quotes at a book update id (Binance bookTicker, KuCoin ticker) compared with the book, and how many disagreed. */
  quotesChecked: number;
  quotesFailed: number;
  clean: boolean;
}

export interface CaptureOptions {
  capture: string;
  venue: string;
  /** The REST capture beside it (`*.http.N.0`), for venues seeded over REST. */
  http?: string;
  symbols?: string[];
  depth?: number;
}

export async function validateCapture(opts: CaptureOptions): Promise<CaptureReport> {
  const spec = getVenue(opts.venue);
  for (const f of [opts.capture, opts.http]) {
    if (f !== undefined && !existsSync(f)) throw new MarketfeedError('MF_ERR_CONFIG', `capture file ${f} does not exist`, { path: 'capture', got: f });
  }
  const symbols = opts.symbols ?? (await symbolsOfCapture(spec, opts.capture));
  for (const s of symbols) spec.toVenueSymbol(s);
  const venueSymbols = new Set(symbols.map((s) => spec.toVenueSymbol(s)));
  const core = new FeedCore({
    spec, symbols, kinds: ['trades', 'book', 'quote', 'derivative'], depth: opts.depth ?? 20, plans: [], log: silentLogger,
    // the capture holds whatever the venue sent in answer (REST bodies, resubscribes)
    requestSnapshot: () => {},
    handlers: { event: () => {} },
  });
  let frames = 0;
  let lastTs = 0;
  for await (const batch of readCryptofeedCapture(opts.capture, opts.http, spec.id)) {
    for (const f of batch) {
      frames++;
      lastTs = f.localTs;
      if (f.dir !== 'rest') {
        core.onFrame(f);
        continue;
      }
      const v = f.url === undefined ? undefined : (spec.restSymbol?.(f.url) ?? restSymbol(f.url));
      if (v === undefined || !venueSymbols.has(v)) continue;
      if (core.onRestFrame(f, v)) continue; // open interest, not a book
      const failure = core.onSnapshotBody(v, f.data, f.localTs, true);
      if (failure !== undefined) core.snapshotFailed(v, failure, f.localTs);
    }
  }
  core.stop(lastTs);
  const rows = core.stats().map((s) => ({
    symbol: s.symbol, applied: s.applied, stale: s.stale, snapshots: s.snapshots, gaps: s.gaps, rejects: s.rejects,
    checksumChecks: s.checksumChecks, checksumMismatches: s.checksumMismatches, checksumsVerified: s.checksumChecks - s.checksumMismatches,
    quoteChecks: s.quoteChecks, quoteMismatches: s.quoteMismatches,
  }));
  const sum = (k: 'checksumsVerified' | 'checksumMismatches' | 'gaps' | 'rejects' | 'quoteChecks' | 'quoteMismatches'): number => rows.reduce((n, r) => n + r[k], 0);
  const failed = sum('checksumMismatches');
  const gaps = sum('gaps');
  const quotesFailed = sum('quoteMismatches');
  return {
    capture: opts.capture, venue: spec.id, frames, symbols: rows, checksumsVerified: sum('checksumsVerified'), checksumsFailed: failed,
    gaps, rejects: sum('rejects'), quotesChecked: sum('quoteChecks'), quotesFailed, clean: failed === 0 && gaps === 0 && quotesFailed === 0,
  };
}

export function formatCaptureReport(r: CaptureReport): string {
  const lines = [`capture ${r.capture} (${r.venue}): ${r.frames} frames`];
  for (const s of r.symbols) {
    lines.push(`  ${s.symbol.padEnd(16)} snapshots ${s.snapshots}  updates ${s.applied}  stale dropped ${s.stale}  checksums verified ${s.checksumsVerified} failed ${s.checksumMismatches}  gaps ${s.gaps}  rejects ${s.rejects}`);
  }
  lines.push(`checksums: ${r.checksumsVerified} verified, ${r.checksumsFailed} failed; gaps: ${r.gaps}; rejects: ${r.rejects}`);
  if (r.quotesChecked > 0) lines.push(`quotes at a book update id: ${r.quotesChecked - r.quotesFailed} agree with the book, ${r.quotesFailed} disagree`);
  lines.push(r.clean ? 'CLEAN' : 'FAILED');
  return lines.join('\n') + '\n';
}
