// Book snapshots of one live venue session: which book gets the next one, and how long each book
// has been waiting for it.
//
// REST venues: a book that asks joins one of two round-robin queues, books never synced before
// books resyncing, each book at most once; so a symbol that keeps resyncing goes to the back
// every time and can never starve one still waiting for its first book. The next book is picked
// only once the REST budget has admitted a request (a first sync that asked meanwhile goes
// first), and at most MAX_IN_FLIGHT snapshot bodies are in transit at once.
// 'ws' venues: a fresh snapshot comes from resubscribing the symbol on the socket carrying its
// book (over REST after a few tries, when the venue has a REST book).
import type { Logger } from '../core/log.js';
import type { Connection } from '../transport/connection.js';
import type { RestClient } from '../transport/rest.js';
import type { FeedCore, SessionHandlers } from './feed-core.js';
import type { RestRequest, VenueSpec } from './types.js';

export interface SnapshotSchedulerOptions {
  spec: VenueSpec;
  rest: RestClient;
  core: FeedCore;
  snapshotLimit: number;
  depth: number;
  handlers: SessionHandlers;
  log: Logger;
  /** The socket of connection plan `index` (for resubscribes). */
  connection(index: number): Connection | undefined;
}

interface Slot {
  venueSymbol: string;
  queued: boolean;
  inFlight: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  /** performance.now() when the book began waiting for a snapshot; -1 when it is not waiting. */
  waitingSince: number;
  /** performance.now() when this request joined the queue (snapshotTiming: the budget's wait included). */
  askedAt: number;
}

const SNAPSHOT_RETRY_BASE_MS = 250;
const SNAPSHOT_RETRY_MAX_MS = 10_000;
/** 'ws' venues: how long a resubscribe may take to bring a fresh snapshot before we ask again. */
const RESUBSCRIBE_WAIT_MS = 5_000;
/** 'ws' venues with a REST book: resubscribes without a snapshot before seeding over REST. */
const RESUBSCRIBES_BEFORE_REST = 2;
/** Snapshot bodies in transit at once: enough to spend a burst of budget quickly, few enough to bound memory. */
const MAX_IN_FLIGHT = 8;

export class SnapshotScheduler {
  private readonly opts: SnapshotSchedulerOptions;
  private readonly venue: string;
  private readonly slots = new Map<string, Slot>();
  /** Books waiting for their first snapshot, and books resyncing, in the order they asked. */
  private readonly first: Slot[] = [];
  private readonly again: Slot[] = [];
  private inFlight = 0;
  /** A request is waiting for the budget: the book it is for is picked when it is admitted. */
  private admitting = false;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(opts: SnapshotSchedulerOptions, venueSymbols: readonly string[]) {
    this.opts = opts;
    this.venue = opts.spec.id;
    for (const v of venueSymbols) this.slots.set(v, { venueSymbol: v, queued: false, inFlight: false, failures: 0, timer: undefined, waitingSince: -1, askedAt: 0 });
  }

  /** A book asks for a snapshot (FeedCore's requestSnapshot). */
  request(venueSymbol: string): void {
    const slot = this.slots.get(venueSymbol);
    if (slot === undefined || this.stopped || slot.queued || slot.inFlight || slot.timer) return;
    if (slot.waitingSince < 0) slot.waitingSince = performance.now();
    const { spec } = this.opts;
    if (spec.bookSnapshot === 'ws' && (slot.failures < RESUBSCRIBES_BEFORE_REST || spec.depthRequest === undefined)) {
      this.resubscribe(slot);
      return;
    }
    slot.queued = true;
    slot.askedAt = performance.now();
    (this.opts.core.bookState(venueSymbol) === 'RESYNCING' ? this.again : this.first).push(slot);
    this.pump();
  }

  /**
   * The snapshot a resubscribe asked for came: the wait for it is over, so the next gap of this
   * book resubscribes at once instead of after RESUBSCRIBE_WAIT_MS.
   */
  streamSnapshotCame(venueSymbol: string): void {
    const slot = this.slots.get(venueSymbol);
    if (slot === undefined || slot.queued || slot.inFlight) return;
    slot.waitingSince = -1;
    if (slot.timer === undefined) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.failures = 0;
  }

  /** Seconds `venueSymbol`'s book has waited for a snapshot (0 = not waiting), at `nowMs` (performance.now()). */
  waitS(venueSymbol: string, nowMs: number): number {
    const since = this.slots.get(venueSymbol)?.waitingSince ?? -1;
    return since < 0 ? 0 : (nowMs - since) / 1000;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    this.abort.abort(new Error('session stopped'));
  }

  /** Admits the next request under the budget, then gives it to the book first in line. */
  private pump(): void {
    if (this.admitting || this.stopped || this.inFlight >= MAX_IN_FLIGHT) return;
    const head = this.first[0] ?? this.again[0];
    if (head === undefined) return;
    // every snapshot of a session asks the same limit, so the head's weight is the one picked's
    const weight = this.depthRequest(head).weight;
    this.admitting = true;
    this.opts.rest.admit(weight, this.abort.signal).then(() => {
      this.admitting = false;
      if (this.stopped) return;
      const slot = (this.first.shift() ?? this.again.shift())!; // only pump takes from the queues
      slot.queued = false;
      slot.inFlight = true;
      this.inFlight++;
      void this.fetch(slot).finally(() => {
        this.inFlight--;
        this.pump();
      });
      this.pump();
    }, () => {
      this.admitting = false; // aborted: the session stopped
    });
  }

  private depthRequest(slot: Slot): RestRequest {
    return this.opts.spec.depthRequest!(slot.venueSymbol, this.opts.snapshotLimit);
  }

  /** One admitted snapshot request; a failure retries after a capped backoff, through the book. */
  private async fetch(slot: Slot): Promise<void> {
    const { core, handlers } = this.opts;
    const v = slot.venueSymbol;
    const req = this.depthRequest(slot);
    let failure: string | undefined;
    const askedAt = slot.askedAt;
    const symbol = core.symbolOf(v) ?? v;
    try {
      const res = await this.opts.rest.get(req.path, { weight: req.weight, admitted: true, signal: this.abort.signal });
      handlers.raw?.(
        { venue: this.venue, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url },
        core.symbolOf(v) === undefined ? [] : [symbol],
      );
      if (this.stopped) return;
      slot.inFlight = false;
      failure = core.onSnapshotBody(v, res.body, res.localTs, res.status === 200);
      handlers.snapshotTiming?.(this.venue, symbol, (performance.now() - askedAt) / 1000, failure === undefined);
      if (failure === undefined) {
        slot.failures = 0;
        // (unless the book found it too old and asked again, inside onSnapshotBody)
        if (!slot.queued && !slot.inFlight) slot.waitingSince = -1;
        return;
      }
    } catch (e) {
      failure = (e as Error).message;
      if (!this.stopped) handlers.snapshotTiming?.(this.venue, symbol, (performance.now() - askedAt) / 1000, false);
    }
    slot.inFlight = false;
    if (this.stopped) return;
    slot.failures++;
    const delay = Math.min(SNAPSHOT_RETRY_MAX_MS, SNAPSHOT_RETRY_BASE_MS * 2 ** (slot.failures - 1));
    this.opts.log.warn({ venue: this.venue, venueSymbol: v, failure, retryInMs: delay }, 'snapshot request failed');
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      core.snapshotFailed(v, failure ?? 'unknown');
    }, delay);
  }

  /**
   * 'ws' venues: a book needs a fresh snapshot, which the venue sends when the symbol is
   * subscribed again; sent on the socket carrying that book. If none has come after
   * RESUBSCRIBE_WAIT_MS the book is told, and asks again (over REST after a few tries when the
   * venue has a REST book).
   */
  private resubscribe(slot: Slot): void {
    const { spec, core } = this.opts;
    const v = slot.venueSymbol;
    const i = core.connectionPlans().findIndex((p) => p.plan.book && p.plan.venueSymbols.includes(v));
    const frames = core.resubscribeFrames(v, spec.bookDepth?.(this.opts.depth) ?? this.opts.depth);
    const conn = this.opts.connection(i);
    if (conn !== undefined) for (const f of frames) conn.send(f);
    this.opts.log.info({ venue: this.venue, venueSymbol: v, frames: frames.length }, 'resubscribing for a fresh book snapshot');
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.stopped) return;
      if (core.bookState(v) === 'SYNCED') {
        slot.failures = 0;
        slot.waitingSince = -1;
        return;
      }
      slot.failures++;
      core.snapshotFailed(v, `no stream snapshot within ${RESUBSCRIBE_WAIT_MS} ms of resubscribing`);
    }, RESUBSCRIBE_WAIT_MS);
  }
}
