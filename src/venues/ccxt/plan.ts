// What a `ccxt:<id>` recording watches, decided once from the config and the exchange's
// capabilities (`exchange.has`), before anything connects:
// - trades (watchTrades), tickers (watchTicker), quotes (watchBidsAsks; else the verified book's
//   top; else the ticker's bid/ask) — whatever the exchange offers;
// - books (watchOrderBook) only when ccxt verifies them (books.ts); an unverified book needs
//   --allow-unverified-books, and without it the recording is refused (a usage error, exit 2)
//   unless books are not wanted (--no-storage-book).
// The plan is written into the capture (the `ccxt session` mark), so replay needs nothing else.
import type { Config } from '../../core/config.js';
import { MarketfeedError } from '../../core/errors.js';
import { bookPolicy } from './books.js';
import type { QuoteSource, WatchKind } from './engine.js';
import { ccxtIdOf, ccxtLabel } from './ids.js';
import { createExchange, loadCcxt, parseCcxtConfig, type ExchangeSetup } from './load.js';

export interface CcxtPlan {
  /** Format of this description in captures. */
  v: 1;
  /** `ccxt:binance`. */
  venue: string;
  setup: ExchangeSetup;
  symbols: string[];
  depth: number;
  kinds: WatchKind[];
  books: 'verified' | 'unverified' | 'off';
  /** What ccxt checks (verified), or why the books are unverified or off. */
  check: string;
  quoteSource: QuoteSource;
  /** Data-dir label: `ccxt-<id>`, or `ccxt-<id>-unverified` when unverified books are recorded. */
  label: string;
}

/** A unified ccxt symbol (`BTC/USDT`, `BTC/USDT:USDT`): shape only, listing is checked at start. */
const SYMBOL_RE = /^[^\s/]+\/[^\s/]+$/;

/** The plan of a ccxt recording; MF_ERR_UNKNOWN_VENUE / MF_ERR_CONFIG (exit 2) on what cannot be recorded. */
export async function planCcxt(cfg: Config): Promise<CcxtPlan> {
  const id = ccxtIdOf(cfg.venue);
  for (const s of cfg.symbols) {
    if (!SYMBOL_RE.test(s)) {
      throw new MarketfeedError('MF_ERR_CONFIG', `symbol ${JSON.stringify(s)} is not a ccxt unified symbol`, {
        path: 'symbols', expected: 'BASE/QUOTE or BASE/QUOTE:SETTLE, e.g. BTC/USDT', got: s,
      });
    }
  }
  const setup: ExchangeSetup = {
    id, config: parseCcxtConfig(cfg.ccxtConfig),
    ...(cfg.ws.url ? { wsUrl: cfg.ws.url } : {}), ...(cfg.rest.url ? { restUrl: cfg.rest.url } : {}),
  };
  const ccxt = await loadCcxt();
  const ex = await createExchange(ccxt, setup, false); // capabilities only: no I/O
  const has = (ex.has ?? {}) as Record<string, unknown>;
  const kinds: WatchKind[] = [];
  if (has.watchTrades === true) kinds.push('trades');
  if (has.watchTicker === true) kinds.push('ticker');
  if (has.watchBidsAsks === true) kinds.push('quote');
  const policy = bookPolicy(ccxt, ex);
  let books: CcxtPlan['books'] = 'off';
  let check: string;
  if (policy.books === 'verified') {
    check = policy.family.check;
    if (cfg.storage.book) books = 'verified';
  } else {
    check = policy.why;
    if (policy.books === 'unverified' && cfg.storage.book) {
      if (!cfg.allowUnverifiedBooks) {
        throw new MarketfeedError('MF_ERR_CONFIG', `ccxt:${id} books cannot be verified: ${policy.why}`, {
          path: 'allowUnverifiedBooks',
          expected: `--allow-unverified-books to record them marked unverified (under ${ccxtLabel(id, true)}/), or --no-storage-book for trades, tickers and quotes only`,
        });
      }
      books = 'unverified';
    }
  }
  if (books !== 'off') kinds.push('book');
  if (kinds.length === 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', `ccxt:${id} offers nothing marketfeed records (no watchTrades, watchTicker, watchBidsAsks or checked watchOrderBook)`, {
      venue: cfg.venue,
    });
  }
  const quoteSource: QuoteSource = kinds.includes('quote') ? 'bidsasks' : books === 'verified' ? 'book' : 'ticker';
  return {
    v: 1, venue: `ccxt:${id}`, setup, symbols: [...cfg.symbols], depth: cfg.depth, kinds, books, check, quoteSource,
    label: ccxtLabel(id, books === 'unverified'),
  };
}
