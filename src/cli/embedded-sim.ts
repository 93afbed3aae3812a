// The simulated exchange that `record --sim` and `status --sim` start on 127.0.0.1 for the venue
// being recorded, with the config pointed at it.
import type { Config } from '../core/config.js';
import { MarketfeedError } from '../core/errors.js';
import { startSim, type SimHandle, type SimVenue } from '../sim/index.js';
import type { VenueSpec } from '../venues/types.js';

/** The venues whose wire protocol the simulator speaks. */
export const SIM_VENUES: readonly SimVenue[] = ['binance', 'binance-futures', 'kraken', 'okx', 'bitfinex', 'bingx', 'bingx-swap', 'mexc', 'mexc-futures', 'bybit', 'bybit-linear', 'coinbase', 'kucoin', 'kucoin-futures'];
/** Venue ids served by another's simulator mode (raw Bitfinex books are the Bitfinex protocol). */
const SIM_MODE_OF: Readonly<Record<string, SimVenue>> = { 'bitfinex-raw': 'bitfinex' };

export async function startEmbeddedSim(cfg: Config, spec: VenueSpec): Promise<{ sim: SimHandle; cfg: Config }> {
  const venue = SIM_MODE_OF[spec.id] ?? SIM_VENUES.find((v) => v === spec.id);
  if (venue === undefined) {
    throw new MarketfeedError('MF_ERR_CONFIG', `the simulator does not speak ${spec.id}`, { path: 'sim', expected: `one of ${[...SIM_VENUES, ...Object.keys(SIM_MODE_OF)].join(', ')}`, got: spec.id });
  }
  const sim = await startSim({
    venue, port: cfg.simulator.port, seed: cfg.simulator.seed, symbols: cfg.symbols,
    diffIntervalMs: cfg.simulator.diffIntervalMs, faults: cfg.simulator.faults, follow: cfg.simulator.follow,
    truthHistory: 1000, // nobody reads the embedded sim's ground truth; keep its memory small
  });
  return { sim, cfg: { ...cfg, ws: { ...cfg.ws, url: sim.wsUrl }, rest: { ...cfg.rest, url: sim.restUrl } } };
}
