// Replay: captures back through the live decoders and books (`for await (const ev of replay({…}))`).
export { replay, newReplayProgress, parseTime, seededRandom, DEFAULT_DEPTH } from './replay.js';
export type { ReplayOptions, ReplayHandlers, ReplayProgress } from './replay.js';
export { readRawFrames, rawDays, symbolDirs, ledgerRuns, runStartFields } from './raw.js';
export type { LedgerRun, RawDay } from './raw.js';
export { readCryptofeedCapture, parseCryptofeedLine, symbolsOfCapture, guessUnified } from './cryptofeed.js';
export { replayNdjson } from './ndjson.js';
export type { NdjsonReplayOptions } from './ndjson.js';
