// RawFrame: what the transport hands on for every websocket frame and REST body, before any
// decoding. Raw first: this is what the recorder keeps, and replay feeds it back unchanged.

export type FrameDir =
  /** A websocket text frame received from the venue. */
  | 'in'
  /** A frame we sent (subscribe, pong payloads are not recorded). */
  | 'out'
  /** A REST response body (url in `url`). */
  | 'rest'
  /** A connection lifecycle mark (open/close), data is a short reason. */
  | 'conn';

export interface RawFrame {
  venue: string;
  /** Per process, increments with every socket opened (1, 2, …); REST bodies carry 0. */
  connId: number;
  /** Per connection, increments with every frame received or sent on it, from 1. */
  recvSeq: number;
  /** Receive (or send) time, epoch µs. */
  localTs: number;
  dir: FrameDir;
  /** The frame's exact text; for a binary frame (`binary`), its bytes in base64. */
  data: string;
  /**
   * A binary websocket frame (BingX gzip, MEXC protobuf): `data` is base64 of the exact bytes, so
   * the capture keeps them and replay decodes the same bytes.
   */
  binary?: true;
  /**
   * An `out` frame that only keeps the socket alive (an app-level ping, the answer to a server
   * ping): recorded raw like every frame, but not a subscription the ledger should list.
   */
  keepalive?: true;
  /** The URL of the socket or REST request. */
  url?: string;
}
