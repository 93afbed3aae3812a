// Kraken frames → normalized events. One decoder reads both protocol versions and tells them apart
// per frame: v1 data frames are JSON arrays and v1 control frames objects with "event"
// (decode-v1.ts); v2 frames are objects with "channel" or "method" (decode-v2.ts). v2 needs every
// number's lexeme, so its frames are parsed losslessly (json-lossless.ts); v1 sends numbers as
// strings, so plain JSON.parse is right there. Pure: no I/O, no clock; localTs comes from the frame.
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { KrakenV1Decoder } from './decode-v1.js';
import { KrakenV2Decoder } from './decode-v2.js';
import { isJsonObject, parseLossless } from './json-lossless.js';

export class KrakenDecoder implements Decoder {
  readonly v1: KrakenV1Decoder;
  readonly v2: KrakenV2Decoder;

  constructor(ctx: DecodeContext) {
    this.v1 = new KrakenV1Decoder(ctx);
    this.v2 = new KrakenV2Decoder(ctx);
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    let i = 0;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
    const c = text.charCodeAt(i);
    if (c === 91) {
      // '[': a v1 data array
      let m: unknown;
      try {
        m = JSON.parse(text);
      } catch {
        sink.reject('not JSON', text);
        return;
      }
      this.v1.array(m as unknown[], text, meta, sink);
      return;
    }
    if (c !== 123) {
      sink.reject(i === text.length ? 'empty frame' : 'not a JSON object or array', text);
      return;
    }
    const m = parseLossless(text);
    if (!isJsonObject(m)) {
      sink.reject('not JSON', text);
      return;
    }
    if (typeof m.event === 'string') this.v1.event(m, text, sink);
    else this.v2.decode(m, text, meta, sink);
  }
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new KrakenDecoder(ctx);
}
