// Reads the bus with a durable JetStream pull consumer and hands batches to a sink target
// (PostgreSQL, or the data-dir files). A message is acknowledged only after the target has
// written it (PostgreSQL: committed); a crash before the ack means a redelivery, which the
// target's natural keys make harmless. Several sink processes with one durable name share the
// load: the server hands each batch to one of them.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MarketEvent } from '../../core/events.js';
import type { FrameDir, RawFrame } from '../../core/frames.js';
import { MarketfeedError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { connectBus } from './publisher.js';

/** One message off the bus: a normalized event, or a raw frame with the symbols it concerns. */
export type SinkItem = { ev: MarketEvent; key?: string } | { raw: RawFrame; symbols: string[] };

export interface SinkTarget {
  /** Writes a batch; resolves once it is durable. Throwing makes the batch come again later. */
  write(items: SinkItem[]): Promise<void>;
  close(): Promise<void>;
  /** Raw frames too (the data-dir target); PostgreSQL reads only `md.>`. */
  readonly wantsRaw: boolean;
}

export interface ConsumerOptions {
  servers: string;
  stream: string;
  prefix: string;
  durable: string;
  /** Messages per fetch (and per write). */
  batch: number;
  log: Logger;
}

export interface ConsumerStats {
  delivered: number;
  written: number;
  /** Messages that were not events or frames (terminated: never redelivered). */
  rejected: number;
  /** Batches the target failed to write (redelivered). */
  writeFailures: number;
}

/** Unacknowledged messages are delivered again after this long. */
export const ACK_WAIT_MS = 10_000;

const VALID_DIRS: ReadonlySet<string> = new Set<FrameDir>(['in', 'out', 'rest', 'conn']);

export class BusConsumer {
  readonly stats: ConsumerStats = { delivered: 0, written: 0, rejected: 0, writeFailures: 0 };
  private nc: NatsConnection | undefined;

  constructor(private readonly opts: ConsumerOptions) {}

  /** Connects and creates (or finds) the durable consumer; a missing stream is a clear error. */
  async start(wantsRaw: boolean): Promise<void> {
    const o = this.opts;
    const nc = await connectBus(o.servers, true);
    this.nc = nc;
    const jsm = await jetstreamManager(nc);
    try {
      await whileElecting(() => jsm.streams.info(o.stream), o.log);
    } catch (e) {
      await nc.close();
      if (/not found/i.test((e as Error).message)) {
        throw new MarketfeedError('MF_ERR_CONFIG', `NATS has no stream ${o.stream}: record with --nats first (it creates the stream), or pass --nats-stream`, { path: 'natsStream', got: o.stream });
      }
      throw new MarketfeedError('MF_ERR_UNREACHABLE', `cannot read NATS stream ${o.stream}: ${(e as Error).message}`, { cause: e });
    }
    const p = o.prefix === '' ? '' : o.prefix + '.';
    try {
      await whileElecting(() => jsm.consumers.add(o.stream, {
        durable_name: o.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        // a sink killed mid-batch: its messages come again after this long (a slow write is
        // redelivered too, harmlessly: natural keys)
        ack_wait: ACK_WAIT_MS * 1_000_000,
        max_ack_pending: 20_000,
        ...(wantsRaw ? {} : { filter_subject: `${p}md.>` }),
      }), o.log);
    } catch (e) {
      await nc.close();
      throw new MarketfeedError('MF_ERR_CONFIG', `cannot create the NATS consumer ${o.durable} on ${o.stream}: ${(e as Error).message} (another sink kind uses that name? pass --durable)`, { cause: e });
    }
  }

  /**
   * Consumes until `signal` aborts; each batch is written, then acknowledged. With several targets
   * (each its own database connection) as many batches are in the works at once, so one is decoded
   * while another commits.
   */
  async run(targets: SinkTarget | readonly SinkTarget[], signal: AbortSignal): Promise<void> {
    const nc = this.nc;
    if (nc === undefined) throw new Error('BusConsumer.run before start');
    const consumer = await jetstream(nc).consumers.get(this.opts.stream, this.opts.durable);
    const list = Array.isArray(targets) ? targets : [targets as SinkTarget];
    await Promise.all(list.map((t) => this.loop(consumer, t, signal)));
  }

  private async loop(consumer: Consumer, target: SinkTarget, signal: AbortSignal): Promise<void> {
    let warnedAt = -Infinity;
    while (!signal.aborted) {
      let msgs: JsMsg[] = [];
      try {
        const it = await consumer.fetch({ max_messages: this.opts.batch, expires: 1000 });
        for await (const m of it) msgs.push(m);
      } catch (e) {
        if (signal.aborted) break;
        this.opts.log.warn({ err: (e as Error).message }, 'NATS fetch failed; retrying');
        await sleep(500, signal);
        continue;
      }
      if (msgs.length === 0) continue;
      this.stats.delivered += msgs.length;
      const items: SinkItem[] = [];
      const good: JsMsg[] = [];
      for (const m of msgs) {
        const item = decodeItem(m);
        if (item === undefined) {
          this.stats.rejected++;
          m.term();
          continue;
        }
        items.push(item);
        good.push(m);
      }
      msgs = [];
      try {
        await target.write(items);
      } catch (e) {
        this.stats.writeFailures++;
        for (const m of good) m.nak(1000);
        if (performance.now() - warnedAt > 10_000) { // monotonic: no wall clock step silences it
          warnedAt = performance.now();
          this.opts.log.error({ err: (e as Error).message, failures: this.stats.writeFailures }, 'sink write failed; the batch will be delivered again');
        }
        await sleep(1000, signal);
        continue;
      }
      for (const m of good) m.ack();
      this.stats.written += items.length;
    }
  }

  async stop(): Promise<void> {
    // drain: acks already sent leave before the connection closes
    await this.nc?.drain().catch(() => {});
  }
}

/** A bus message → an event or a raw frame; undefined when it is neither. */
export function decodeItem(m: JsMsg): SinkItem | undefined {
  const dot = m.subject.indexOf('raw.');
  const isRaw = dot === 0 || m.subject.includes('.raw.');
  if (!isRaw) {
    let ev: unknown;
    try {
      ev = JSON.parse(m.string());
    } catch {
      return undefined;
    }
    const e = ev as Partial<MarketEvent>;
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || typeof e.venue !== 'string' || typeof e.symbol !== 'string' ||
      typeof e.ts !== 'number' || typeof e.localTs !== 'number') return undefined;
    // the publisher's Nats-Msg-Id is the event's key (sinks/subjects.ts): no need to compute it again
    const key = m.headers?.get('Nats-Msg-Id');
    return key ? { ev: e as MarketEvent, key } : { ev: e as MarketEvent };
  }
  const h = m.headers;
  if (h === undefined) return undefined;
  const dir = h.get('dir');
  const connId = Number(h.get('connId'));
  const recvSeq = Number(h.get('recvSeq'));
  const localTs = Number(h.get('localTs'));
  if (!VALID_DIRS.has(dir) || !Number.isSafeInteger(connId) || !Number.isSafeInteger(recvSeq) || !Number.isSafeInteger(localTs)) return undefined;
  const venue = m.subject.slice(m.subject.lastIndexOf('raw.') + 4);
  const frame: RawFrame = { venue, connId, recvSeq, localTs, dir: dir as FrameDir, data: m.string() };
  const url = h.get('url');
  if (url !== '') frame.url = url;
  if (h.get('binary') === 'base64') frame.binary = true;
  let symbols: string[] = [];
  try {
    const s = JSON.parse(h.get('symbols') || '[]') as unknown;
    if (Array.isArray(s)) symbols = s.filter((x): x is string => typeof x === 'string');
  } catch {
    // no symbols: the frame is kept by nobody
  }
  return { raw: frame, symbols };
}

/** How long a JetStream API call is retried while a cluster elects a leader (a node just died). */
const ELECTION_WAIT_MS = 30_000;

/**
 * Runs a JetStream API call, again on a timeout or no-responders answer — what a cluster gives
 * while it elects a new leader after losing a node — for up to ELECTION_WAIT_MS. Other errors
 * (a missing stream, a consumer of another configuration) are answers, thrown at once.
 */
async function whileElecting<T>(call: () => Promise<T>, log: Logger): Promise<T> {
  const end = performance.now() + ELECTION_WAIT_MS; // monotonic: a wall clock step neither ends nor stretches it
  for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await call();
    } catch (e) {
      const msg = (e as Error).message;
      if (!/timeout|no responders|503/i.test(msg) || performance.now() + delay > end) throw e;
      log.warn({ err: msg, retryInMs: delay }, 'JetStream did not answer (a cluster electing a leader?); asking again');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
