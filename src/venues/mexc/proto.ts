// The spot v3 protobuf messages a recorder reads, as protobufjs reflection types built in code from
// the wire facts of PROTOCOLS-MORE.md §4.1 (field numbers and proto3 types read from
// mexcdevelop/websocket-proto @ 7b8ac7a6, 2026-06-17; no .proto file is copied). Only the
// messages we decode are declared: a oneof body we do not know is an unknown field to protobufjs,
// skipped like any other.
//
// These types are the reference decoder: tests decode the protocol vectors with them and compare
// with the hand decoder (spot-wire.ts), and the bench measures them as "the protobuf decoder
// alone". The hot path does not use them: spot-wire.ts reads the same fields with protobufjs's
// Reader into reused storage, which is several times faster (bench/checksum-venues.bench.mjs).
import protobuf from 'protobufjs';

const { Field, OneOf, Root, Type } = protobuf;

/** Field numbers of PushDataV3ApiWrapper's oneof body that we decode. */
export const BODY = {
  publicLimitDepths: 303,
  publicAggreDepths: 313,
  publicAggreDeals: 314,
  publicAggreBookTicker: 315,
} as const;

function depthItem(name: string): protobuf.Type {
  return new Type(name)
    .add(new Field('price', 1, 'string'))
    .add(new Field('quantity', 2, 'string'));
}

/** A Root holding the wrapper and the body messages of BODY. */
export function mexcRoot(): protobuf.Root {
  const aggreDepths = new Type('PublicAggreDepthsV3Api')
    .add(new Field('asks', 1, 'PublicAggreDepthV3ApiItem', 'repeated'))
    .add(new Field('bids', 2, 'PublicAggreDepthV3ApiItem', 'repeated'))
    .add(new Field('eventType', 3, 'string'))
    .add(new Field('fromVersion', 4, 'string'))
    .add(new Field('toVersion', 5, 'string'))
    .add(new Field('lastOrderCreateTime', 6, 'int64'));
  const limitDepths = new Type('PublicLimitDepthsV3Api')
    .add(new Field('asks', 1, 'PublicLimitDepthV3ApiItem', 'repeated'))
    .add(new Field('bids', 2, 'PublicLimitDepthV3ApiItem', 'repeated'))
    .add(new Field('eventType', 3, 'string'))
    .add(new Field('version', 4, 'string'))
    .add(new Field('lastOrderCreateTime', 5, 'int64'));
  const dealsItem = new Type('PublicAggreDealsV3ApiItem')
    .add(new Field('price', 1, 'string'))
    .add(new Field('quantity', 2, 'string'))
    .add(new Field('tradeType', 3, 'int32'))
    .add(new Field('time', 4, 'int64'))
    .add(new Field('tradeId', 5, 'string'));
  const aggreDeals = new Type('PublicAggreDealsV3Api')
    .add(new Field('deals', 1, 'PublicAggreDealsV3ApiItem', 'repeated'))
    .add(new Field('eventType', 2, 'string'));
  const bookTicker = new Type('PublicAggreBookTickerV3Api')
    .add(new Field('bidPrice', 1, 'string'))
    .add(new Field('bidQuantity', 2, 'string'))
    .add(new Field('askPrice', 3, 'string'))
    .add(new Field('askQuantity', 4, 'string'))
    .add(new Field('version', 5, 'string'))
    .add(new Field('lastOrderCreateTime', 6, 'int64'));
  const wrapper = new Type('PushDataV3ApiWrapper')
    .add(new Field('channel', 1, 'string'))
    .add(new Field('symbol', 3, 'string', 'optional'))
    .add(new Field('symbolId', 4, 'string', 'optional'))
    .add(new Field('createTime', 5, 'int64', 'optional'))
    .add(new Field('sendTime', 6, 'int64', 'optional'))
    .add(new Field('publicLimitDepths', BODY.publicLimitDepths, 'PublicLimitDepthsV3Api'))
    .add(new Field('publicAggreDepths', BODY.publicAggreDepths, 'PublicAggreDepthsV3Api'))
    .add(new Field('publicAggreDeals', BODY.publicAggreDeals, 'PublicAggreDealsV3Api'))
    .add(new Field('publicAggreBookTicker', BODY.publicAggreBookTicker, 'PublicAggreBookTickerV3Api'))
    .add(new OneOf('body', ['publicLimitDepths', 'publicAggreDepths', 'publicAggreDeals', 'publicAggreBookTicker']));
  const root = new Root();
  for (const t of [depthItem('PublicAggreDepthV3ApiItem'), depthItem('PublicLimitDepthV3ApiItem'), aggreDepths, limitDepths, dealsItem, aggreDeals, bookTicker, wrapper]) {
    root.add(t);
  }
  root.resolveAll();
  return root;
}

/** The wrapper type, ready to decode (`PushDataV3ApiWrapper.decode(bytes)`). */
export function wrapperType(): protobuf.Type {
  return mexcRoot().lookupType('PushDataV3ApiWrapper');
}
