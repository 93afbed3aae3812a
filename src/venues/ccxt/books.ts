// Which ccxt order books we may call verified. ccxt hands out only the merged book, never the
// deltas, so we cannot check a sequence ourselves: a ccxt book is trusted only where ccxt's own
// code (pinned 4.5.84) checks every update's sequence id before the book can be read, and on a
// break deletes the book and rejects the watcher (which we turn into a `gap` and a resync).
// Read in node_modules/ccxt/js/src/pro/<file>.js; an id qualifies when its handler IS the listed
// class's method (subclasses that inherit it unchanged: binanceus, binanceusdm, myokx …), and
// the option that switches the check off is not set to false.
//
// Read and left out, so their books need --allow-unverified-books:
// - kraken: checksum off by default, and turning it on throws a TypeError on every frame
//   (research/ccxt.md §3.2).
// - bybit: no `u` continuity check at all; a gap is applied silently (§3.4).
// - bitfinex: the checksum comes in later `cs` frames, so the book is readable between an update
//   and the check that proves it.
// - gate: spot uses `spot.obu`, which only drops old updates and applies a gap silently.
// - htx, cryptocom: a break throws out of the handler; the book is neither deleted nor
//   resubscribed, so it freezes.
// - bitget: a checksum mismatch is acted on asynchronously (spawned unwatch), and UTA books have
//   no checksum at all.
// - everything else: no sequence or checksum check in its watchOrderBook.
import type { Exchange } from 'ccxt';
import type { CcxtModule } from './load.js';

export interface VerifiedFamily {
  /** The ccxt class whose code was read. */
  root: string;
  /** The method that checks the sequence; identity with the root's marks an inheriting id. */
  method: string;
  /** `options.watchOrderBook.<option> === false` switches the check off (undefined: it cannot be). */
  option?: string;
  /** What is checked, for `marketfeed venues`, the ledger and the README. */
  check: string;
}

export const VERIFIED_FAMILIES: readonly VerifiedFamily[] = [
  {
    // pro/binance.js handleOrderBook: spot U == nonce+1 (the first straddles the REST snapshot's
    // lastUpdateId), futures pu == nonce; else ChecksumError, book and subscription deleted.
    root: 'binance', method: 'handleOrderBook', option: 'checksum',
    check: 'sequence: U/u chain from the REST snapshot (pu on futures)',
  },
  {
    // pro/okx.js handleOrderBookMessage: prevSeqId must equal the stored seqId (a snapshot starts
    // the chain); else InvalidNonce, book and subscription deleted in the same frame.
    root: 'okx', method: 'handleOrderBookMessage',
    check: 'sequence: prevSeqId/seqId chain from the websocket snapshot',
  },
];

export type BookPolicy =
  | { books: 'verified'; family: VerifiedFamily }
  | { books: 'unverified'; why: string }
  | { books: 'none'; why: string };

/** The family whose checked book code this exchange runs, when its check is on. */
export function verifiedFamily(ccxt: CcxtModule, ex: Exchange): VerifiedFamily | undefined {
  const pro = ccxt.pro as unknown as Record<string, { prototype: Record<string, unknown> }>;
  const own = ex as unknown as Record<string, unknown>;
  for (const fam of VERIFIED_FAMILIES) {
    const root = pro[fam.root]?.prototype;
    if (root === undefined || typeof root[fam.method] !== 'function' || own[fam.method] !== root[fam.method]) continue;
    if (fam.option !== undefined) {
      const opts = (ex.options as Record<string, unknown> | undefined)?.watchOrderBook as Record<string, unknown> | undefined;
      if (opts?.[fam.option] === false) return undefined;
    }
    return fam;
  }
  return undefined;
}

/** How this exchange's books can be recorded (before the user's choice). */
export function bookPolicy(ccxt: CcxtModule, ex: Exchange): BookPolicy {
  if (ex.has?.watchOrderBook !== true) return { books: 'none', why: `ccxt ${ex.id} has no watchOrderBook` };
  const family = verifiedFamily(ccxt, ex);
  if (family !== undefined) return { books: 'verified', family };
  const pro = ccxt.pro as unknown as Record<string, { prototype: Record<string, unknown> } | undefined>;
  const own = ex as unknown as Record<string, unknown>;
  const off = VERIFIED_FAMILIES.find((f) => f.option !== undefined && own[f.method] === pro[f.root]?.prototype[f.method]);
  return {
    books: 'unverified',
    why: off
      ? `options.watchOrderBook.${off.option} is false, which turns off ccxt's check`
      : `ccxt's ${ex.id} order book code checks no sequence or checksum before the book can be read`,
  };
}

/** The ids among `ids` whose books are verified with their default options (for `marketfeed venues`). */
export function verifiedIds(ccxt: CcxtModule, ids: readonly string[]): { id: string; check: string }[] {
  const pro = ccxt.pro as unknown as Record<string, { prototype: Record<string, unknown> }>;
  const out: { id: string; check: string }[] = [];
  for (const id of ids) {
    const proto = pro[id]?.prototype;
    if (proto === undefined) continue;
    const fam = VERIFIED_FAMILIES.find((f) => typeof proto[f.method] === 'function' && proto[f.method] === pro[f.root]?.prototype?.[f.method]);
    if (fam !== undefined) out.push({ id, check: fam.check });
  }
  return out;
}
