// Our venues as Tardis.dev names them in its downloadable CSV files: the exchange id (one per
// market type: Binance spot is `binance`, its USDⓈ-M futures `binance-futures`, OKX spot `okex`,
// its swaps `okex-swap`) and the symbol column, the venue's own id in upper case with the few
// renames Tardis applies (Bitfinex without the `t` prefix, Kraken in its WS v1 asset codes).
//
// This table is the only place that knows Tardis's names. A venue Tardis does not carry (BingX,
// MEXC in tardis-dev 13.35) keeps our own venue id as its exchange (`listed: false`): the files
// read the same, but no Tardis tool will know that exchange.
import type { VenueId } from '../venues/index.js';

export interface TardisMarket {
  /** The `exchange` column and the file name's first part (`binance-futures`). */
  exchange: string;
  /** The `symbol` column (`BTCUSDT`, `BTC-USDT-SWAP`, `XBT/USD`). */
  symbol: string;
  /** The symbol as it appears in file names (Tardis replaces `: \ / ? * < > | "` with `-`). */
  fileSymbol: string;
  /** False when Tardis carries no such exchange and ours stands in. */
  listed: boolean;
}

interface Entry {
  listed: boolean;
  /** The exchange id, or how the venue symbol picks one (venues serving several market types). */
  exchange: string | ((venueSymbol: string) => string);
  /** Tardis's spelling of the venue symbol, when it is not the id upper-cased. */
  symbol?: (venueSymbol: string) => string;
}

/** Bitfinex trading pairs carry a `t` (`tBTCUSD`); Tardis names them without it (`BTCUSD`). */
const bitfinexSymbol = (v: string): string => (v.startsWith('t') ? v.slice(1) : v);
/** Bitfinex perpetuals are `…F0:USTF0`; Tardis files them under bitfinex-derivatives. */
const bitfinexExchange = (v: string): string => (v.includes('F0:') ? 'bitfinex-derivatives' : 'bitfinex');

/** Kraken WS v1 asset codes (what Tardis recorded and still names pairs by): `BTC/USD` → `XBT/USD`. */
const KRAKEN_V1: Readonly<Record<string, string>> = { BTC: 'XBT', DOGE: 'XDG' };
const krakenSymbol = (v: string): string => v.split('/').map((a) => KRAKEN_V1[a] ?? a).join('/');

/** Bitget's v1 contract id `BTCUSDT_UMCBL` is instId `BTCUSDT` of its futures market, as Tardis names it. */
const BITGET_CONTRACT_RE = /_(UMCBL|DMCBL|CMCBL)$/;
const bitgetExchange = (v: string): string => (BITGET_CONTRACT_RE.test(v) ? 'bitget-futures' : 'bitget');
const bitgetSymbol = (v: string): string => v.replace(BITGET_CONTRACT_RE, '');

/** OKX instIds: `BTC-USDT` spot, `BTC-USDT-SWAP` swap, `BTC-USD-250328` dated future. */
const okxExchange = (v: string): string => (v.endsWith('-SWAP') ? 'okex-swap' : /-\d{6}$/.test(v) ? 'okex-futures' : 'okex');

const TARDIS_VENUES = {
  binance: { listed: true, exchange: 'binance' },
  'binance-futures': { listed: true, exchange: 'binance-futures' },
  bingx: { listed: false, exchange: 'bingx' },
  'bingx-swap': { listed: false, exchange: 'bingx-swap' },
  bitfinex: { listed: true, exchange: bitfinexExchange, symbol: bitfinexSymbol },
  'bitfinex-raw': { listed: true, exchange: bitfinexExchange, symbol: bitfinexSymbol },
  bitget: { listed: true, exchange: bitgetExchange, symbol: bitgetSymbol },
  bybit: { listed: true, exchange: 'bybit-spot' },
  'bybit-linear': { listed: true, exchange: 'bybit' },
  coinbase: { listed: true, exchange: 'coinbase' },
  kraken: { listed: true, exchange: 'kraken', symbol: krakenSymbol },
  kucoin: { listed: true, exchange: 'kucoin' },
  'kucoin-futures': { listed: true, exchange: 'kucoin-futures' },
  mexc: { listed: false, exchange: 'mexc' },
  'mexc-futures': { listed: false, exchange: 'mexc-futures' },
  okx: { listed: true, exchange: okxExchange },
  okcoin: { listed: true, exchange: 'okcoin' },
} satisfies Record<VenueId, Entry>;

const FILE_UNSAFE_RE = /[:\\/?*<>|"]/g;

/** How Tardis names one of our venue's symbols (`binance`, `BTCUSDT`). */
export function tardisMarket(venue: string, venueSymbol: string): TardisMarket {
  const e: Entry | undefined = (TARDIS_VENUES as Record<string, Entry>)[venue];
  if (e === undefined) return { exchange: venue, symbol: venueSymbol.toUpperCase(), fileSymbol: fileSafe(venueSymbol.toUpperCase()), listed: false };
  const symbol = (e.symbol ? e.symbol(venueSymbol) : venueSymbol).toUpperCase();
  const exchange = typeof e.exchange === 'string' ? e.exchange : e.exchange(venueSymbol);
  return { exchange, symbol, fileSymbol: fileSafe(symbol), listed: e.listed };
}

function fileSafe(symbol: string): string {
  return symbol.replace(FILE_UNSAFE_RE, '-');
}

/** `<exchange>_<data_type>_<YYYY-MM-DD>_<SYMBOL>.csv.gz`, as Tardis names its downloads. */
export function tardisFileName(m: TardisMarket, dataType: string, isoDay: string): string {
  return `${m.exchange}_${dataType}_${isoDay}_${m.fileSymbol}.csv.gz`;
}
