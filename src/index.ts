// marketfeed's library API: the same pieces the CLI uses.
export * from './core/events.js';
export type { RawFrame, FrameDir } from './core/frames.js';
export { MarketfeedError, ERRORS, isMarketfeedError, type ErrorCode } from './core/errors.js';
export { loadConfig, defaultConfig, CONFIG_KEYS, type Config } from './core/config.js';
export { parseSymbol, formatSymbol, symbolFs } from './core/symbols.js';
export { nowUs, utcDay } from './core/time.js';
export { createLogger, silentLogger } from './core/log.js';
export { VENUES, VENUE_IDS, getVenue, VenueSession, type VenueId, type VenueSpec } from './venues/index.js';
export { Feed, type FeedOptions, type FeedSource, type FeedStats } from './pipeline/feed.js';
export { CaptureSink } from './storage/capture.js';
export { startSim, type SimHandle, type SimOptions } from './sim/index.js';
export { replay, type ReplayOptions } from './replay/index.js';
export { writeParquet, convertDay, DataQuery } from './storage/parquet/index.js';
