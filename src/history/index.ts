// history/: candles and trades over REST (ccxt, paginated, retried, resumable), gap filling,
// combining local and exchange candles, and the trades → candles aggregator.
export { type Bar, flatBar } from './bar.js';
export { CandleAggregator, aggregateTrades, type AggregatorOptions } from './aggregate.js';
export { timeframeMs, barOpen } from './timeframe.js';
export { numberText, DecimalSum } from './decimal.js';
export { fillGaps, type FillResult } from './gap-fill.js';
export { combineCandles, type BarMismatch, type CombineOptions, type CombineResult } from './combine.js';
export { combineWithLocal, type CombineReport, type CombineStore, type CombineSyncOptions, type CombineSummary } from './combine-sync.js';
export { completeBars, watchedSpans, ledgerRowOf, type LedgerRow, type LocalBars } from './local-bars.js';
export { withRetry, retryDelayMs, DEFAULT_RETRY, type RetryOptions, type RetryHooks, type RetryEvent } from './retry.js';
export { VenueClient, clearVenueCache, type VenueClientOptions, type ClockSync } from './venue-client.js';
export { fetchCandles, fetchTrades, type CandleFetch, type TradeFetch, type FetchResult } from './fetch.js';
export { syncCandles, syncTrades, daysIn, dayStartMs, type DayStore, type DayRecord, type SyncSummary, type SyncOptions } from './sync.js';
export { mergeRanges, subtractRanges, type Range } from './ranges.js';
export { candlesFromTradesFiles } from './live-candles.js';
