// The simulator's own protobuf writer for MEXC spot pushes (PROTOCOLS-MORE.md §4.1), with
// protobufjs's Writer: field numbers and proto3 types as the wire facts give them, written the way
// Java-generated serializers order them (wrapper fields 1, 3, 5, 6, then the oneof body). It
// shares nothing with our decoder (src/venues/mexc), so a mistake on one side shows on the other.
import protobuf from 'protobufjs/minimal.js';

const { Writer } = protobuf;
type W = protobuf.Writer;

/** Oneof body field numbers of PushDataV3ApiWrapper. */
export const PB_BODY = { limitDepths: 303, aggreDepths: 313, aggreDeals: 314, aggreBookTicker: 315 } as const;

const LEN = 2;

function str(w: W, field: number, s: string): void {
  w.uint32((field << 3) | LEN).string(s);
}

function int64(w: W, field: number, n: number): void {
  w.uint32(field << 3).int64(n);
}

export interface PbWrapper {
  channel: string;
  symbol: string;
  sendTimeMs: number;
  /** createTime is the event's own time (a push is sent at most a moment later). */
  createTimeMs: number;
}

/** One wrapper around the body `write` fills in. */
export function pbWrapper(h: PbWrapper, body: number, write: (w: W) => void): Uint8Array {
  const w = Writer.create();
  str(w, 1, h.channel);
  str(w, 3, h.symbol);
  int64(w, 5, h.createTimeMs);
  int64(w, 6, h.sendTimeMs);
  w.uint32((body << 3) | LEN).fork();
  write(w);
  w.ldelim();
  return w.finish();
}

/** Repeated {price 1, quantity 2} items under `field`. */
function levels(w: W, field: number, prices: readonly string[], quantities: readonly string[]): void {
  for (let i = 0; i < prices.length; i++) {
    w.uint32((field << 3) | LEN).fork();
    str(w, 1, prices[i]);
    str(w, 2, quantities[i]);
    w.ldelim();
  }
}

/** PublicAggreDepthsV3Api: asks 1, bids 2, eventType 3, fromVersion 4, toVersion 5 (strings), lastOrderCreateTime 6. */
export function pbAggreDepths(
  h: PbWrapper, eventType: string, bidPx: string[], bidQty: string[], askPx: string[], askQty: string[], fromVersion: number, toVersion: number,
): Uint8Array {
  return pbWrapper(h, PB_BODY.aggreDepths, (w) => {
    levels(w, 1, askPx, askQty);
    levels(w, 2, bidPx, bidQty);
    str(w, 3, eventType);
    str(w, 4, String(fromVersion));
    str(w, 5, String(toVersion));
    int64(w, 6, h.createTimeMs);
  });
}

export interface PbDeal {
  price: string;
  quantity: string;
  /** 1 buy, 2 sell (the taker's side). */
  tradeType: 1 | 2;
  timeMs: number;
  tradeId: string;
}

/** PublicAggreDealsV3Api: deals 1 {price 1, quantity 2, tradeType 3, time 4, tradeId 5}, eventType 2. */
export function pbAggreDeals(h: PbWrapper, eventType: string, deals: readonly PbDeal[]): Uint8Array {
  return pbWrapper(h, PB_BODY.aggreDeals, (w) => {
    for (const d of deals) {
      w.uint32((1 << 3) | LEN).fork();
      str(w, 1, d.price);
      str(w, 2, d.quantity);
      w.uint32(3 << 3).int32(d.tradeType);
      int64(w, 4, d.timeMs);
      str(w, 5, d.tradeId);
      w.ldelim();
    }
    str(w, 2, eventType);
  });
}

/** PublicAggreBookTickerV3Api: bidPrice 1, bidQuantity 2, askPrice 3, askQuantity 4, version 5, lastOrderCreateTime 6. */
export function pbAggreBookTicker(h: PbWrapper, bidPx: string, bidQty: string, askPx: string, askQty: string, version: number): Uint8Array {
  return pbWrapper(h, PB_BODY.aggreBookTicker, (w) => {
    str(w, 1, bidPx);
    str(w, 2, bidQty);
    str(w, 3, askPx);
    str(w, 4, askQty);
    str(w, 5, String(version));
    int64(w, 6, h.createTimeMs);
  });
}

/** PublicLimitDepthsV3Api: asks 1, bids 2, eventType 3, version 4, lastOrderCreateTime 5. */
export function pbLimitDepths(h: PbWrapper, eventType: string, bidPx: string[], bidQty: string[], askPx: string[], askQty: string[], version: number): Uint8Array {
  return pbWrapper(h, PB_BODY.limitDepths, (w) => {
    levels(w, 1, askPx, askQty);
    levels(w, 2, bidPx, bidQty);
    str(w, 3, eventType);
    str(w, 4, String(version));
    int64(w, 5, h.createTimeMs);
  });
}
