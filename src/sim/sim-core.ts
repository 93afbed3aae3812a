// The state shared by the simulator's parts (engine, HTTP/WS server, fault runner): resolved
// options, the symbols, the websocket hub and the pending one-shot faults.
import type { FaultKind } from './faults.js';
import type { SimVenue } from './instruments.js';
import type { SymbolState } from './symbol-state.js';
import type { WsHub } from './ws-hub.js';

export interface ResolvedOptions {
  venue: SimVenue;
  diffIntervalMs: number;
  serverPingIntervalMs: number;
  pongTimeoutMs: number;
  maxSessionMs: number;
  maxIncomingPerSec: number;
  stallMs: number;
  slowSnapshotMs: number;
}

export interface InjectedGap {
  venueSymbol: string;
  /** First and last update id of the frame that was not sent (its U and u). */
  skippedFrom: number;
  skippedTo: number;
}

export interface FaultState {
  counts: Record<FaultKind, number>;
  gaps: InjectedGap[];
  /** Symbols whose next diff frame is dropped. */
  gapNext: Set<string>;
  stalledUntilMs: number;
  /** Delay for the next depth response (0 = none pending). */
  slowNextMs: number;
  staleNext: boolean;
  rateLimitLeft: number;
}

export interface SimCore {
  opts: ResolvedOptions;
  futures: boolean;
  /** By venue symbol (`BTCUSDT`). */
  symbols: Map<string, SymbolState>;
  hub: WsHub;
  faults: FaultState;
}

export function isStalled(core: SimCore, nowMs: number): boolean {
  return nowMs < core.faults.stalledUntilMs;
}
