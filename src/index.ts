// marketfeed's library API: the same pieces the CLI uses.
export * from './core/events.js';
export type { RawFrame, FrameDir } from './core/frames.js';
export { MarketfeedError, ERRORS, isMarketfeedError, type ErrorCode } from './core/errors.js';
export { loadConfig, defaultConfig, CONFIG_KEYS, type Config } from './core/config.js';
export { parseSymbol, formatSymbol, symbolFs } from './core/symbols.js';
export { nowUs, utcDay, monoUs, RecorderClock, recorderClock, useRecorderClock, SYSTEM_CLOCK, type ClockSource, type ClockStep } from './core/time.js';
export { createLogger, silentLogger } from './core/log.js';
export { VENUES, VENUE_IDS, getVenue, VenueSession, type VenueId, type VenueSpec } from './venues/index.js';
export { Feed, type FeedOptions, type FeedSource, type FeedStats } from './pipeline/feed.js';
export { CaptureSink } from './storage/capture.js';
export { startSim, type SimHandle, type SimOptions } from './sim/index.js';
export { replay, type ReplayOptions } from './replay/index.js';
export { writeParquet, convertDay, DataQuery } from './storage/parquet/index.js';
export { validateCapture, type CaptureReport } from './replay/validate-capture.js';
export { exportTardis, TARDIS_DATA_TYPES, type TardisExportOptions, type TardisExportReport, type TardisDataType } from './export/index.js';
export {
  VenueClient, fetchCandles, fetchTrades, syncCandles, syncTrades, fillGaps, combineCandles, CandleAggregator, aggregateTrades,
  timeframeMs, combineWithLocal, completeBars, watchedSpans, type Bar, type CombineReport,
} from './history/index.js';
export { LiveCandles, candlesFromTradesFiles, type LiveCandlesOptions } from './history/live-candles.js';
export { BarRing, BarStore, DEFAULT_CAPACITY, type NumericBar, type BarColumns } from './history/ring-buffer.js';
export { IndicatorSet, IndicatorBook, DEFAULT_PERIODS, type IndicatorValues } from './history/indicators.js';
export { scoreSource, rankSources, bestSource, consensus, type QualityScore } from './history/quality.js';
export { HealthMonitor, type HealthReport } from './pipeline/health.js';
export { MarketDataMapper, type MarketData, type TextSource } from './pipeline/market-data.js';
export { MultiFeed, type MultiSource } from './pipeline/multi.js';
