// Kraken's public REST as far as our venue code uses it: `GET /0/public/AssetPairs` (optionally
// `?pair=XBTUSD,ETHUSD`) in the real shape — a result map keyed by pair name with altname, wsname
// (`XBT/USD`: REST keeps the v1 names, WS v2 says `BTC/USD`), base `XXBT`, quote `ZUSD` — and Time.
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';

/** Kraken's renamed assets (v1/REST) and the legacy X/Z-prefixed asset codes. */
const ALT: Record<string, string> = { BTC: 'XBT', DOGE: 'XDG' };
const LEGACY_X = new Set(['XBT', 'ETH', 'LTC', 'XRP', 'XLM', 'XMR', 'ZEC', 'ETC', 'XDG', 'REP', 'MLN']);
const LEGACY_Z = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CAD']);

export const alt = (a: string): string => ALT[a] ?? a;
export const code = (a: string): string => (LEGACY_X.has(alt(a)) ? 'X' + alt(a) : LEGACY_Z.has(a) ? 'Z' + a : alt(a));

export function pairEntry(s: SymbolState): [string, Record<string, unknown>] {
  const { inst, fmt } = s;
  const altname = alt(inst.base) + alt(inst.quote);
  const legacy = LEGACY_X.has(alt(inst.base)) && (LEGACY_Z.has(inst.quote) || LEGACY_X.has(alt(inst.quote)));
  const key = legacy ? code(inst.base) + code(inst.quote) : altname;
  return [key, {
    altname, wsname: `${alt(inst.base)}/${alt(inst.quote)}`, aclass_base: 'currency', base: code(inst.base),
    aclass_quote: 'currency', quote: code(inst.quote), lot: 'unit', cost_decimals: 5, pair_decimals: inst.priceDecimals,
    lot_decimals: inst.qtyDecimals, lot_multiplier: 1, leverage_buy: [], leverage_sell: [],
    fees: [[0, 0.26], [50000, 0.24]], fees_maker: [[0, 0.16], [50000, 0.14]], fee_volume_currency: 'ZUSD',
    margin_call: 80, margin_stop: 40, ordermin: fmt.stepSize(), costmin: '0.5', tick_size: fmt.tickSize(), status: 'online',
  }];
}

export function krakenRest(states: readonly SymbolState[], path: string, q: URLSearchParams): RestReply {
  if (path === '/0/public/Time') {
    const ms = Date.now();
    return { status: 200, body: JSON.stringify({ error: [], result: { unixtime: Math.floor(ms / 1000), rfc1123: new Date(ms).toUTCString() } }) };
  }
  if (path !== '/0/public/AssetPairs') return { status: 404, body: '{"error":["EGeneral:Unknown method"]}' };
  const wanted = q.get('pair')?.split(',').filter((p) => p !== '');
  const result: Record<string, unknown> = {};
  for (const s of states) {
    const [key, entry] = pairEntry(s);
    if (wanted && !wanted.some((w) => w === key || w === entry.altname || w === entry.wsname)) continue;
    result[key] = entry;
  }
  if (wanted && Object.keys(result).length === 0) return { status: 200, body: '{"error":["EQuery:Unknown asset pair"]}' };
  return { status: 200, body: JSON.stringify({ error: [], result }) };
}
