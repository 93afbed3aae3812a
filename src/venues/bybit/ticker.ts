// The `tickers` topic's state per symbol. Linear sends a snapshot, then deltas that carry only the
// fields that changed ("a field missing from a delta is unchanged", recorded: a delta holding only
// indexPrice); spot sends snapshots only. Events carry the merged values, so each one stands alone.
import { isDecimalText } from '../../book/levels.js';
import { TICKER_FIELDS, type BybitTicker, type TickerField } from './wire.js';

const MS_RE = /^\d{1,16}$/;

/** Fields that make a `ticker` event, and those that make a `derivative` one (linear). */
const TICKER_SET = new Set<TickerField>(['lastPrice', 'prevPrice24h', 'highPrice24h', 'lowPrice24h', 'volume24h', 'turnover24h']);

export class MergedTicker {
  readonly values: { [K in TickerField]: string | undefined };
  /** What the last merged message carried. */
  carriedTicker = false;
  carriedDerivative = false;

  constructor() {
    this.values = {} as MergedTicker['values'];
    this.clear();
  }

  clear(): void {
    for (let i = 0; i < TICKER_FIELDS.length; i++) this.values[TICKER_FIELDS[i]] = undefined;
  }

  /**
   * Merges one message's fields ("" = no value, e.g. fundingRate of a dated contract); false when
   * a field holds something that is not a number (the state is then left as it was).
   */
  merge(t: BybitTicker, snapshot: boolean): boolean {
    for (let i = 0; i < TICKER_FIELDS.length; i++) {
      const k = TICKER_FIELDS[i];
      const v = t[k];
      if (v === undefined || v === '') continue;
      if (k === 'nextFundingTime' ? !MS_RE.test(v) : !isDecimalText(v)) return false;
    }
    if (snapshot) this.clear();
    this.carriedTicker = false;
    this.carriedDerivative = false;
    for (let i = 0; i < TICKER_FIELDS.length; i++) {
      const k = TICKER_FIELDS[i];
      const v = t[k];
      if (v === undefined) continue;
      this.values[k] = v === '' ? undefined : v;
      if (TICKER_SET.has(k)) this.carriedTicker = true;
      else this.carriedDerivative = true;
    }
    return true;
  }
}
