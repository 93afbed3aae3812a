// Unified symbols: `BASE/QUOTE` for spot, `BASE/QUOTE:SETTLE` for perpetual swaps (ccxt's
// convention, so `BTC/USDT:USDT` is the USDT-margined linear perpetual). Venues map these to
// their native ids (`BTCUSDT`) in their own symbols.ts.

export interface UnifiedSymbol {
  base: string;
  quote: string;
  /** Settlement currency of a perpetual; undefined for spot. */
  settle?: string;
}

const UNIFIED_RE = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,20})(?::([A-Z0-9]{1,20}))?$/;

/** Parses `BTC/USDT` or `BTC/USDT:USDT`; returns undefined when the text is not a unified symbol. */
export function parseSymbol(text: string): UnifiedSymbol | undefined {
  const m = UNIFIED_RE.exec(text);
  if (!m) return undefined;
  return m[3] === undefined ? { base: m[1], quote: m[2] } : { base: m[1], quote: m[2], settle: m[3] };
}

export function formatSymbol(s: UnifiedSymbol): string {
  return s.settle === undefined ? `${s.base}/${s.quote}` : `${s.base}/${s.quote}:${s.settle}`;
}

const FS_STRIP_RE = /[/\-: ]/g;
const FS_SAFE_RE = /^[A-Za-z0-9._]{1,64}$/;

/**
 * The symbol as it appears in paths and file names (`BTC/USDT:USDT` → `BTCUSDTUSDT`).
 * Strips `/ - :` and spaces; anything that could escape the data directory is rejected.
 */
export function symbolFs(symbol: string): string {
  const fs = symbol.replace(FS_STRIP_RE, '');
  if (!FS_SAFE_RE.test(fs) || fs === '.' || fs === '..' || fs.includes('..')) {
    throw new Error(`symbol ${JSON.stringify(symbol)} cannot be used in a file name`);
  }
  return fs;
}

/** Quote and settle assets used to split a slash-less id (`BTCUSDT`), longest first (FDUSD before USD). */
export const QUOTE_ASSETS: readonly string[] = [
  'FDUSD', 'USDT', 'USDC', 'TUSD', 'BUSD', 'DAI', 'USD', 'EUR', 'GBP', 'JPY', 'TRY', 'BRL', 'AUD', 'BTC', 'ETH', 'BNB',
].sort((a, b) => b.length - a.length);

/**
 * The unified symbols a slash-less name (a SYMBOL_FS directory, a venue id, a file-name prefix)
 * could stand for, most likely first: a perpetual when the name ends in quote+settle with the
 * settle asset equal to the quote (linear, `BTCUSDTUSDT`) or to the base (inverse, `BTCUSDBTC`),
 * then the spot pair split at the longest quote suffix, then that pair as a linear perpetual (a
 * venue whose ids are perpetuals names `BTC/USDT:USDT` `BTCUSDT`). Empty when nothing fits.
 */
export function unifiedCandidates(name: string): string[] {
  const upper = name.toUpperCase();
  const out: string[] = [];
  for (const quote of QUOTE_ASSETS) {
    for (const settle of QUOTE_ASSETS) {
      const tail = quote + settle;
      if (upper.length <= tail.length || !upper.endsWith(tail)) continue;
      const base = upper.slice(0, -tail.length);
      if (settle === quote || settle === base) out.push(`${base}/${quote}:${settle}`);
    }
  }
  const quote = QUOTE_ASSETS.find((q) => upper.length > q.length && upper.endsWith(q));
  if (quote !== undefined) {
    const base = upper.slice(0, -quote.length);
    out.push(`${base}/${quote}`, `${base}/${quote}:${quote}`);
  }
  return [...new Set(out)].filter((s) => parseSymbol(s) !== undefined);
}

/** The most likely unified symbol of a slash-less name (see unifiedCandidates); undefined when none. */
export function guessUnifiedSymbol(name: string): string | undefined {
  return unifiedCandidates(name)[0];
}
