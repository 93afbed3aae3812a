// Which locally built bars can be trusted as whole: a bar built from recorded trades is complete
// only if the recorder was watching the trade stream for all of it. The events ledger says when:
// from a `connect` (CONNECTED) row until that connection's `disconnect`, inside the trading window
// (`window_open` / `window_close`), within a run (`run_start` … `run_stop`). A run that ended
// without `run_stop` (a crash) counts as watched until the next `run_start`: the trades a crash
// lost then show up as mismatches against the exchange, which is what they are. Bars at the edges
// of a watched span (the recorder started or stopped inside them) and the bar still in progress at
// the end of the data are partial: they are left out, and the exchange's bar is used instead.
// Ledger times are local receive times; bar times are exchange times. A margin (default 1 s) is
// taken off both ends of every span to absorb clock offset and trades in flight.
import type { Candle } from '../core/events.js';
import type { Bar } from './bar.js';
import { mergeRanges, type Range } from './ranges.js';

/** The ledger columns this needs: `event_id,timestamp,local_timestamp,kind,state,detail`. */
export interface LedgerRow {
  localTs: number;
  kind: string;
  state: string;
  detail: string;
}

/** A ledger CSV row (storage/csv.ts's events header) → LedgerRow; undefined for short rows. */
export function ledgerRowOf(cells: readonly string[]): LedgerRow | undefined {
  if (cells.length < 5) return undefined;
  const localTs = Number(cells[2]);
  if (!Number.isFinite(localTs)) return undefined;
  return { localTs, kind: cells[3], state: cells[4], detail: cells[5] ?? '' };
}

function connIdOf(detail: string): string {
  const m = /connId=(\S*)/.exec(detail);
  return m ? m[1] : '';
}

/**
 * The µs spans (local time) in which the trade stream was watched, from ledger rows in order
 * (all days and parts concatenated). A span still open at the last row runs to +Infinity (a
 * recording in progress, or a crash with no later run).
 */
export function watchedSpans(rows: readonly LedgerRow[]): Range[] {
  const spans: Range[] = [];
  const connected = new Set<string>();
  let windowOpen = true;
  let since = -1; // start of the span in progress; -1 when not watching
  const update = (t: number): void => {
    const watching = connected.size > 0 && windowOpen;
    if (watching && since < 0) since = t;
    else if (!watching && since >= 0) {
      spans.push([since, t]);
      since = -1;
    }
  };
  for (const r of rows) {
    switch (r.kind) {
      case 'run_start':
        // a span still open here belonged to a run that crashed: it ends where the next run begins
        connected.clear();
        windowOpen = true;
        break;
      case 'run_stop':
        connected.clear();
        break;
      case 'connect':
        if (r.state === 'CONNECTED') connected.add(connIdOf(r.detail));
        break;
      case 'disconnect':
        connected.delete(connIdOf(r.detail));
        break;
      case 'window_open':
        windowOpen = true;
        break;
      case 'window_close':
        windowOpen = false;
        break;
      default:
        continue;
    }
    update(r.localTs);
  }
  if (since >= 0) spans.push([since, Infinity]);
  return mergeRanges(spans);
}

export interface LocalBars {
  /** Complete bars built from trades (synthetic ones included: nothing traded while watched). */
  bars: Bar[];
  /** Open times (µs) of bars with trades left out because the recorder did not watch all of them. */
  partial: number[];
}

/**
 * The closed candles (live-candles.ts's `candlesFromTradesFiles`) of one timeframe that lie wholly
 * inside a watched span (shrunk by `marginUs` at both ends). `spans` undefined (no ledger): every
 * closed bar but the first, whose start the recorder may have missed.
 */
export function completeBars(candles: readonly Candle[], lenUs: number, spans: readonly Range[] | undefined, marginUs = 1_000_000): LocalBars {
  const out: LocalBars = { bars: [], partial: [] };
  let first = true;
  let k = 0;
  for (const c of candles) {
    const bar: Bar = { ts: c.openTs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, trades: c.trades, synthetic: c.synthetic };
    let whole: boolean;
    if (!c.closed) whole = false;
    else if (spans === undefined) whole = !first;
    else {
      while (k < spans.length && spans[k][1] - marginUs < bar.ts + lenUs) k++;
      whole = k < spans.length && spans[k][0] + marginUs <= bar.ts;
    }
    first = false;
    if (whole) out.bars.push(bar);
    else if (!c.synthetic) out.partial.push(bar.ts);
  }
  return out;
}
