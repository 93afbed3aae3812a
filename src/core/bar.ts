// One OHLCV bar as history/ fetches and builds it and storage/ writes it: open time in epoch µs,
// decimals as exact text (the venue's, or the shortest round-trip text of ccxt's numbers), so
// files never carry float noise.

export interface Bar {
  /** Bar open time, epoch µs. */
  ts: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  /** Trades in the bar; -1 when the venue does not say. */
  trades: number;
  /** True for gap-filled bars (O=H=L=C = the previous close, volume 0). */
  synthetic: boolean;
}
