// The generic fallback for exchanges without a folder of their own: `--venue ccxt:<id>` records
// trades, tickers and quotes of any ccxt pro exchange, and books where ccxt verifies them
// (books.ts). Nothing here imports ccxt at load time (load.ts does, when a session starts).
export { CCXT_PREFIX, ccxtIdOf, ccxtLabel, isCcxtLabel, isCcxtVenue } from './ids.js';
export { VERIFIED_FAMILIES, verifiedIds, type VerifiedFamily } from './books.js';
export { loadCcxt, proIds, type CcxtModule } from './load.js';
export { planCcxt, type CcxtPlan } from './plan.js';
export { CcxtSession, type CcxtSessionOptions } from './session.js';
export { CcxtReplayer } from './replay.js';
