// The simulator's "one symbol follows another" option: `FOLLOWER=LEADER:RHO,…`, e.g.
// `ETH/USDT=BTC/USDT:0.8`, makes ETH's fair price returns correlate with BTC's at rho (market.ts
// `follow`). A unified perpetual has a colon of its own (`ETH/USDT:USDT=BTC/USDT:USDT:0.8`), so
// rho is what follows the last colon.
import type { SymbolState } from './symbol-state.js';

export interface FollowSpec {
  follower: string;
  leader: string;
  /** Correlation of the fair prices' returns, -1 … 1. */
  rho: number;
}

const RHO_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

/** Parses the follow text; '' is no follower. Throws one clear Error on anything else. */
export function parseFollow(text: string): FollowSpec[] {
  const out: FollowSpec[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const colon = item.lastIndexOf(':');
    if (eq <= 0 || colon <= eq + 1 || colon === item.length - 1) {
      throw new Error(`sim: follow ${JSON.stringify(item)} is not FOLLOWER=LEADER:RHO (e.g. ETH/USDT=BTC/USDT:0.8)`);
    }
    const rhoText = item.slice(colon + 1).trim();
    const rho = Number(rhoText);
    if (!RHO_RE.test(rhoText) || !(rho >= -1 && rho <= 1)) {
      throw new Error(`sim: follow ${JSON.stringify(item)}: rho must be a number from -1 to 1, got ${JSON.stringify(rhoText)}`);
    }
    out.push({ follower: item.slice(0, eq).trim(), leader: item.slice(eq + 1, colon).trim(), rho });
  }
  return out;
}

/**
 * Links each follower's market to its leader's. Names are read like `symbols` (`venueSymbolOf`);
 * both must be simulated, a symbol follows at most one leader, and leaders may not loop back.
 */
export function applyFollow(
  specs: readonly FollowSpec[],
  symbols: ReadonlyMap<string, SymbolState>,
  venueSymbolOf: (text: string) => string,
): void {
  const leaderOf = new Map<string, string>();
  const lookup = (role: string, text: string): string => {
    let id: string | undefined;
    try {
      id = venueSymbolOf(text);
    } catch {
      id = undefined;
    }
    if (id === undefined || !symbols.has(id)) {
      throw new Error(`sim: follow: ${role} ${JSON.stringify(text)} is not one of the simulated symbols (${[...symbols.keys()].join(', ')})`);
    }
    return id;
  };
  for (const s of specs) {
    const follower = lookup('follower', s.follower);
    const leader = lookup('leader', s.leader);
    if (follower === leader) throw new Error(`sim: follow: ${s.follower} cannot follow itself`);
    if (leaderOf.has(follower)) throw new Error(`sim: follow: ${s.follower} is given two leaders`);
    leaderOf.set(follower, leader);
  }
  for (const start of leaderOf.keys()) {
    const seen = new Set([start]);
    for (let at = leaderOf.get(start); at !== undefined; at = leaderOf.get(at)) {
      if (seen.has(at)) throw new Error(`sim: follow: ${start} ends up following itself (a loop of leaders)`);
      seen.add(at);
    }
  }
  for (const s of specs) {
    const follower = symbols.get(venueSymbolOf(s.follower))!;
    follower.market.follow(symbols.get(venueSymbolOf(s.leader))!.market, s.rho);
  }
}
