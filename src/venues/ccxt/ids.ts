// Names of the ccxt fallback, free of ccxt itself (importing ccxt costs ≈0.4 s and ≈118 MB, so
// only code that really talks to an exchange loads it — see load.ts).
//
// `--venue ccxt:<id>` names any ccxt pro exchange by its ccxt id (`ccxt:kraken`). Its files go
// under the data-dir label `ccxt-<id>`; a run that records books ccxt cannot prove (books.ts)
// goes under `ccxt-<id>-unverified` instead, so every such book row lives in a file whose path
// says so (README "Any other exchange (ccxt)").
import { MarketfeedError } from '../../core/errors.js';

export const CCXT_PREFIX = 'ccxt:';
const LABEL_PREFIX = 'ccxt-';
export const UNVERIFIED_SUFFIX = '-unverified';
/** ccxt ids are lower-case letters and digits (checked against ccxt.pro.exchanges of 4.5.84). */
const ID_RE = /^[a-z0-9]{1,40}$/;

/** `ccxt:kraken` → true. */
export function isCcxtVenue(venue: string): boolean {
  return venue.startsWith(CCXT_PREFIX);
}

/** `ccxt:kraken` → `kraken`; MF_ERR_UNKNOWN_VENUE when the rest cannot be a ccxt id. */
export function ccxtIdOf(venue: string): string {
  const id = venue.slice(CCXT_PREFIX.length);
  if (!isCcxtVenue(venue) || !ID_RE.test(id)) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_VENUE', `unknown venue ${JSON.stringify(venue)}`, {
      expected: 'ccxt:<id> with a ccxt pro exchange id (marketfeed venues lists them)', got: venue,
    });
  }
  return id;
}

/** The data-dir label of a ccxt recording: `ccxt-kraken`, or `ccxt-kraken-unverified` with unverified books. */
export function ccxtLabel(id: string, unverifiedBooks: boolean): string {
  return `${LABEL_PREFIX}${id}${unverifiedBooks ? UNVERIFIED_SUFFIX : ''}`;
}

/** True for a label written by a ccxt recording (`ccxt-kraken`, `ccxt-kraken-unverified`). */
export function isCcxtLabel(label: string): boolean {
  return label.startsWith(LABEL_PREFIX);
}
