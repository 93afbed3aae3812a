// The first step of decoding a JSON venue frame, shared by the venues whose frames are JSON
// objects (OKX, Bitget): a text that is not a JSON object is rejected with the reason.
import type { DecodeSink } from './types.js';

export type JsonObject = Record<string, unknown>;

export const isJsonObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The frame as a JSON object, or undefined after `sink.reject` (not JSON / not an object). */
export function jsonObjectFrame(text: string, sink: DecodeSink): JsonObject | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    sink.reject('not JSON', text);
    return undefined;
  }
  if (!isJsonObject(m)) {
    sink.reject('not a JSON object', text);
    return undefined;
  }
  return m;
}
