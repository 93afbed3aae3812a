// The hot path: a single pass over a depth frame's text, for the exact shape Binance sends —
//   spot   {"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":…,"s":"BNBBTC","U":…,"u":…,"b":[…],"a":[…]}}
//   USDⓈ-M {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":…,"T":…,"s":"BTCUSDT","U":…,"u":…,"pu":…,"b":[…],"a":[…]}}
// or the same payload unwrapped (raw /ws streams). Levels go straight into a reusable LevelBatch:
// prices parsed from the chars, texts kept as spans and sliced only if the book stores them.
// Anything else (other key order, whitespace, escapes, numbers beyond 15 digits, extra fields such
// as COIN-M's "ps", a truncated frame) returns false and the decoder falls back to JSON.parse + the
// wire.ts guard. One class serves both markets (so the decoder's call site stays monomorphic); the
// market is a constant field read once per frame, and its two tests are predicted branches.
//
// Measured (Node 20.20, 2-core EPYC, bench/decode-book.bench.mjs: gen-binance-depth.cjs frames, 20
// level changes a frame, 200k frames, flat strings as ws delivers them, median of 5):
//                                              before            after (bytes scan, paged book,
//                                                                 shared book_snapshot rows)
//   JSON.parse alone ........................ 147-155k (1.00x)   140-155k (1.00x)
//   scan + verify + book + BBO, rows depth 1  165-168k (1.09-1.14x) 201-211k (1.36-1.44x)
//   same with top-20 rows (recorder setting)  137-139k (0.91-0.94x) 182-197k (1.21-1.35x)
//   (tardis-dev JSON.parse + map + book + BBO: ~0.32x on the same frames, research/README.md)
import { JsonScanner } from '../../book/json-scan.js';
import { LevelBatch } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import type { BinanceMarket } from './market.js';

const COMBINED_HEAD = '{"stream":';
const DATA_HEAD = ',"data":{"e":"depthUpdate","E":';
const RAW_HEAD = '{"e":"depthUpdate","E":';

export class DepthScanner {
  /** USDⓈ-M frames add T (after E) and pu (after u). */
  private readonly futures: boolean;
  readonly batch = new LevelBatch(64);
  /** Reused for every frame: the sync engine copies what it buffers. */
  readonly update: DepthUpdate = { ts: 0, localTs: 0, firstId: 0, lastId: 0, prevId: -1, levels: this.batch };
  /** Span of the `s` value in the text of the last successful scan. */
  symbolStart = 0;
  symbolEnd = 0;
  private readonly sc = new JsonScanner();

  constructor(m: BinanceMarket) {
    this.futures = m.futures;
  }

  /** True when `text` is a depth frame of the expected shape, read to its last char. */
  scan(text: string): boolean {
    const sc = this.sc;
    sc.reset(text);
    let combined = false;
    if (sc.lit(COMBINED_HEAD)) {
      if (!sc.string() || !sc.lit(DATA_HEAD)) return false;
      combined = true;
    } else if (!sc.lit(RAW_HEAD)) {
      return false;
    }
    const futures = this.futures;
    let ts = sc.uint();
    if (ts < 0) return false;
    if (futures) {
      // T (transaction time) rather than E (event push time): it is when the book changed.
      if (!sc.lit(',"T":')) return false;
      ts = sc.uint();
      if (ts < 0) return false;
    }
    if (!sc.lit(',"s":') || !sc.string()) return false;
    this.symbolStart = sc.start;
    this.symbolEnd = sc.end;
    if (!sc.lit(',"U":')) return false;
    const U = sc.uint();
    if (U < 0 || !sc.lit(',"u":')) return false;
    const u = sc.uint();
    if (u < 0) return false;
    let pu = -1;
    if (futures) {
      if (!sc.lit(',"pu":')) return false;
      pu = sc.uint();
      if (pu < 0) return false;
    }
    if (!sc.lit(',"b":')) return false;
    const batch = this.batch;
    batch.reset(text);
    if (!sc.levels(batch, 1) || !sc.lit(',"a":') || !sc.levels(batch, -1)) return false;
    if (!sc.lit(combined ? '}}' : '}') || !sc.done) return false;
    const up = this.update;
    up.ts = ts * 1000;
    up.firstId = U;
    up.lastId = u;
    up.prevId = pu;
    return true;
  }
}
