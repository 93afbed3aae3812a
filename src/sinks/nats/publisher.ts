// Publishes a recording onto NATS JetStream without ever slowing it down. `publishEvent` and
// `publishRaw` only queue (the Outbox); a pump keeps at most `maxInFlight` publishes awaiting
// their acks. A publish is a plain NATS publish with a Nats-Msg-Id header and a reply subject
// under one inbox of ours, where JetStream sends its PubAck: one subscription and one sweep timer
// for every ack, instead of a request (with its own timer and promise) per message. When the server goes away the pump waits for the client to reconnect, unacked
// messages go out again (their ids make that idempotent), and a queue beyond the memory budget
// spills to the spool directory — so after an outage the stream ends up with every event. The
// files stay the source of truth; this is a copy for other machines.
import { connect, createInbox, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { MarketEvent } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { MarketfeedError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { eventMsgId, eventPayload, eventSubject, rawMsgId, rawSubject } from '../subjects.js';
import { Outbox, type OutMsg } from './outbox.js';
import { ensureStream, type BusStreamOptions } from './stream.js';

export interface PublisherOptions {
  /** `nats://host:port`, several comma-separated for a cluster. */
  servers: string;
  stream: BusStreamOptions;
  /** Where the queue spills beyond `maxMemoryBytes` and at a stop with messages left. */
  spoolDir: string;
  maxInFlight?: number;
  maxMemoryBytes?: number;
  /** How long one publish waits for its ack before it is sent again. */
  ackTimeoutMs?: number;
  /** Raw frames too (default true). */
  raw?: boolean;
  log: Logger;
}

export interface PublisherStats {
  queued: number;
  acked: number;
  /** Acks that said the stream already had the id (another recorder, or a re-send). */
  duplicates: number;
  /** Publishes that failed or timed out and were queued again. */
  retries: number;
  pending: number;
  inFlight: number;
  spooledSegments: number;
  connected: boolean;
}

/** Checks a --nats value: comma-separated nats:// (or tls://) URLs. */
export function parseNatsServers(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new MarketfeedError('MF_ERR_USAGE', '--nats needs a server URL, e.g. nats://127.0.0.1:4222', { got: text });
  for (const s of list) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new MarketfeedError('MF_ERR_USAGE', `--nats: ${JSON.stringify(s)} is not a URL (want nats://host:port)`, { got: s });
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:') {
      throw new MarketfeedError('MF_ERR_USAGE', `--nats: ${JSON.stringify(s)} is not a nats:// URL`, { got: s });
    }
  }
  return list;
}

/** Connects once, for startup checks: a refused or unreachable server is a MarketfeedError. */
export async function connectBus(servers: string, reconnecting: boolean): Promise<NatsConnection> {
  try {
    return await connect({
      servers: parseNatsServers(servers),
      name: 'marketfeed',
      reconnect: reconnecting,
      maxReconnectAttempts: reconnecting ? -1 : 0,
      reconnectTimeWait: 500,
      timeout: 3000,
    });
  } catch (e) {
    if (e instanceof MarketfeedError) throw e;
    throw new MarketfeedError('MF_ERR_UNREACHABLE', `cannot connect to NATS at ${servers}: ${(e as Error).message}`, { cause: e });
  }
}

export class NatsPublisher {
  private readonly opts: Required<Omit<PublisherOptions, 'log'>> & { log: Logger };
  private readonly outbox: Outbox;
  /** Published, ack not yet come: by the number ending its reply subject. */
  private readonly inFlight = new Map<number, { m: OutMsg; sentMs: number }>();
  private nextAck = 0;
  /** Open sockets' URLs by connId, from their open marks (part of a raw frame's message id). */
  private readonly socketUrls = new Map<number, string>();
  private inbox = '';
  private sweepTimer: NodeJS.Timeout | undefined;
  private nc: NatsConnection | undefined;
  private connected = false;
  private stopping = false;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly counts = { queued: 0, acked: 0, duplicates: 0, retries: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(opts: PublisherOptions) {
    this.opts = { maxInFlight: 512, maxMemoryBytes: 64 * 1024 * 1024, ackTimeoutMs: 5000, raw: true, ...opts };
    this.outbox = new Outbox({ spoolDir: opts.spoolDir, maxMemoryBytes: this.opts.maxMemoryBytes });
  }

  /**
   * Connects (a refused first connection throws MF_ERR_UNREACHABLE: the URL is wrong or the bus is
   * not there), makes sure the stream exists, and starts publishing, first what an earlier run
   * spooled. Later outages are waited out.
   */
  async start(): Promise<void> {
    const nc = await connectBus(this.opts.servers, true);
    this.nc = nc;
    await ensureStream(nc, this.opts.stream);
    this.inbox = createInbox();
    nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err === null ? this.onAckMsg(msg) : undefined) });
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, this.opts.ackTimeoutMs / 4));
    this.connected = true;
    void this.watch(nc);
    this.pump();
  }

  publishEvent(ev: MarketEvent): void {
    const data = eventPayload(ev);
    this.enqueue({ subject: eventSubject(ev, this.opts.stream.prefix), data, msgId: eventMsgId(ev, data) });
  }

  /** A raw frame and the unified symbols it concerns (a data-dir sink files it under each). */
  publishRaw(f: RawFrame, symbols: readonly string[]): void {
    if (!this.opts.raw) return;
    const headers: Record<string, string> = {
      connId: String(f.connId), recvSeq: String(f.recvSeq), localTs: String(f.localTs), dir: f.dir, symbols: JSON.stringify(symbols),
    };
    if (f.url !== undefined) headers.url = f.url;
    if (f.binary) headers.binary = 'base64';
    // a websocket frame's socket URL comes from its connection's open mark (frames do not repeat it)
    if (f.dir === 'conn') {
      if (f.data.startsWith('open ') && f.url !== undefined) this.socketUrls.set(f.connId, f.url);
      else if (f.data.startsWith('close ')) this.socketUrls.delete(f.connId);
    }
    const msgId = rawMsgId(f, f.url ?? this.socketUrls.get(f.connId));
    this.enqueue({ subject: rawSubject(f, this.opts.stream.prefix), data: f.data, msgId, headers });
  }

  stats(): PublisherStats {
    return {
      ...this.counts, pending: this.outbox.pending, inFlight: this.inFlight.size,
      spooledSegments: this.outbox.spoolSegments, connected: this.connected,
    };
  }

  /** Resolves when nothing is queued or in flight (tests, and a stop's drain). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Publishes what is queued for up to `drainMs`, then spools whatever is left (the next run
   * publishes it) and closes the connection.
   */
  async stop(drainMs = 5000): Promise<void> {
    if (this.stopping) return;
    if (this.nc !== undefined && this.connected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
    }
    this.stopping = true;
    clearTimeout(this.resumeTimer);
    clearInterval(this.sweepTimer);
    const left = this.outbox.pending + this.inFlight.size;
    this.outbox.spoolAll([...this.inFlight.values()].map((x) => x.m));
    this.inFlight.clear();
    if (left > 0) this.opts.log.warn({ left, spoolDir: this.opts.spoolDir }, 'NATS: messages not yet acknowledged were spooled; the next run publishes them');
    await this.nc?.close().catch(() => {});
  }

  private enqueue(m: OutMsg): void {
    if (this.stopping) {
      this.outbox.push(m);
      return;
    }
    this.counts.queued++;
    this.outbox.push(m);
    if (this.inFlight.size < this.opts.maxInFlight) this.pump();
  }

  private pump(): void {
    const nc = this.nc;
    // monotonic ms: a wall clock step back must not pause publishing (or ack timeouts) for hours,
    // nor a step forward time out every publish in flight at once
    if (nc === undefined || !this.connected || this.stopping || performance.now() < this.pausedUntil) return;
    const now = performance.now();
    while (this.inFlight.size < this.opts.maxInFlight) {
      const m = this.outbox.next();
      if (m === undefined) break;
      const id = ++this.nextAck;
      this.inFlight.set(id, { m, sentMs: now });
      const h = natsHeaders();
      h.set('Nats-Msg-Id', m.msgId);
      if (m.headers !== undefined) for (const k in m.headers) h.set(k, m.headers[k]);
      try {
        nc.publish(m.subject, m.data, { headers: h, reply: `${this.inbox}.${id}` });
      } catch (e) {
        // the connection closed under us: the message goes out again after the reconnect
        this.fail(id, e as Error);
        break;
      }
    }
    if (this.isIdle()) this.wakeIdle();
  }

  /** JetStream's PubAck (or its error, or a no-responders status) for one publish. */
  private onAckMsg(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    const entry = this.inFlight.get(id);
    if (entry === undefined) return; // a late ack of a message already sent again: the resend's ack counts
    if (msg.headers?.code === 503 || msg.data.length === 0) {
      this.fail(id, new Error('no JetStream stream answered (503 no responders)'));
      return;
    }
    let ack: { error?: { description?: string }; duplicate?: boolean };
    try {
      ack = msg.json();
    } catch {
      this.fail(id, new Error('unreadable PubAck'));
      return;
    }
    if (ack.error !== undefined) {
      this.fail(id, new Error(`JetStream refused the message: ${ack.error.description ?? JSON.stringify(ack.error)}`));
      return;
    }
    this.inFlight.delete(id);
    this.outbox.done(entry.m);
    this.counts.acked++;
    if (ack.duplicate === true) this.counts.duplicates++;
    this.pump();
  }

  /** Publishes whose ack is overdue are sent again (their ids make that harmless). */
  private sweep(): void {
    if (!this.connected || this.inFlight.size === 0) return;
    const late = performance.now() - this.opts.ackTimeoutMs;
    for (const [id, x] of this.inFlight) {
      if (x.sentMs <= late) this.fail(id, new Error(`no PubAck within ${this.opts.ackTimeoutMs} ms`));
    }
  }

  private fail(id: number, err: Error): void {
    const entry = this.inFlight.get(id);
    if (entry === undefined) return;
    this.inFlight.delete(id);
    this.outbox.failed(entry.m);
    this.counts.retries++;
    if (this.counts.retries === 1 || this.counts.retries % 1000 === 0) {
      this.opts.log.warn({ retries: this.counts.retries, err: err.message }, 'NATS: publish not acknowledged; it will be sent again');
    }
    // a short pause, so a server that is going away is not hammered; status events resume sooner
    this.pausedUntil = performance.now() + 500;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.pump(), 500);
  }

  /** Follows the client's connection status: publishing pauses while it is away. */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.opts.log.warn({ server: (s as { server?: string }).server }, 'NATS: disconnected; capture goes on, publishing resumes on reconnect');
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.pausedUntil = 0;
        this.opts.log.info({ pending: this.outbox.pending }, 'NATS: reconnected; publishing what was captured meanwhile');
        this.pump();
      }
    }
  }

  private isIdle(): boolean {
    return this.inFlight.size === 0 && this.outbox.pending === 0 && this.outbox.spoolSegments === 0;
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}

function toHeaders(h: Record<string, string>) {
  const out = natsHeaders();
  for (const k in h) out.set(k, h[k]);
  return out;
}
