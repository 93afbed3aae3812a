// The state shared by the Binance modes' parts (engine, HTTP/WS server, fault runner): resolved
// options, the symbols, the websocket hub and the faults.
import type { FaultState } from './fault-state.js';
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

export interface SimCore {
  opts: ResolvedOptions;
  futures: boolean;
  /** By venue symbol (`BTCUSDT`). */
  symbols: Map<string, SymbolState>;
  hub: WsHub;
  faults: FaultState;
}
