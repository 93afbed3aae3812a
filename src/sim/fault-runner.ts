// Applies faults in every mode: on their `--faults` schedules and on demand (`inject`). What differs
// per mode (which kinds it models, its malformed frames, its planned shutdown, a stall notice)
// comes from its FaultMode. Book faults (gap, corrupt) and one-shot REST faults are only armed
// here, in FaultState: the next book update / HTTP response takes them.
import type { WebSocket } from 'ws';
import { FAULT_KINDS, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
import type { FaultState } from './fault-state.js';
import type { ConnFaultKind } from './conn-faults.js';

/** What the runner needs of a client connection. */
export interface FaultConn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly openedMs: number;
  /** The request path (and query) the client opened, for FaultOptions.connUrl. */
  readonly url?: string;
}

/** The running simulator's state the runner acts on (SimCore and VenueCtx both are one). */
export interface FaultTarget {
  opts: { venue: string; maxSessionMs: number; stallMs: number; slowSnapshotMs: number };
  /** By venue symbol. */
  symbols: ReadonlyMap<string, unknown>;
  faults: FaultState;
}

/** One mode's part of fault injection. */
export interface FaultMode<C extends FaultConn> {
  /** The kinds the mode models; `unsupportedWhy` ends the error for the others. */
  readonly supported: ReadonlySet<FaultKind>;
  readonly unsupportedWhy: string;
  connections(): Iterable<C>;
  /** Has subscribed streams / channels (malformed frames go to such a connection if any). */
  hasStreams(c: C): boolean;
  /** A text frame, or a binary one (venues whose frames are binary: their malformed ones too). */
  send(c: C, data: string | Uint8Array): void;
  /** The n-th malformed frame for one connection. */
  malformed(c: C, n: number, nowMs: number): string | Uint8Array;
  /** The venue's planned-shutdown behaviour for one connection. */
  shutdown(c: C, nowMs: number): void;
  /** A stall began (Bitfinex announces maintenance). */
  onStall?(untilMs: number): void;
  /** A gap, corruption or stall of this one connection (conn-faults.ts), where the mode models them. */
  connFault?(kind: ConnFaultKind, c: C, o: FaultOptions & { venueSymbol: string; durationMs: number }): void;
}

export class FaultRunner<C extends FaultConn> {
  private readonly timers: NodeJS.Timeout[] = [];
  private rotation = 0;
  private malformedSeq = 0;
  malformedSent = 0;
  disconnects = 0;

  constructor(
    private readonly sim: FaultTarget,
    private readonly mode: FaultMode<C>,
  ) {}

  start(specs: FaultSpec[]): void {
    for (const spec of specs) this.check(spec.kind);
    for (const spec of specs) {
      if (spec.kind === 'maxsession') {
        // A session-age limit: checked often, closing each connection as it comes of age.
        this.ageLimit(spec.everyMs);
      } else {
        this.timers.push(setInterval(() => this.inject(spec.kind), spec.everyMs));
      }
    }
    const limit = this.sim.opts.maxSessionMs;
    if (limit > 0) this.ageLimit(limit);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.sim.faults.conn.stop();
  }

  /** Throws a clear error for an unknown kind or one this mode does not model. */
  check(kind: FaultKind): void {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`sim: unknown fault ${JSON.stringify(kind)}`);
    if (!this.mode.supported.has(kind)) {
      throw new Error(`sim: fault ${kind} is not supported by the ${this.sim.opts.venue} mode (${this.mode.unsupportedWhy})`);
    }
  }

  inject(kind: FaultKind, o: FaultOptions = {}): void {
    if ((kind === 'gap' || kind === 'corrupt' || kind === 'stall') && (o.connId !== undefined || o.connUrl !== undefined)) {
      this.injectOnConn(kind, o);
      return;
    }
    this.check(kind);
    const { faults, opts } = this.sim;
    const nowMs = Date.now();
    switch (kind) {
      case 'disconnect': {
        const c = this.pick(o.connId, false, o.connUrl);
        if (!c) return;
        c.ws.terminate();
        this.disconnects++;
        faults.counts.disconnect++;
        return;
      }
      case 'gap':
      case 'corrupt': {
        const syms = [...this.sim.symbols.keys()];
        const sym = o.venueSymbol ?? syms[this.rotation++ % syms.length];
        if (!this.sim.symbols.has(sym)) throw new Error(`sim: ${kind} for unknown symbol ${sym}`);
        // Counted by the sender of the next book update, when it is actually dropped / altered.
        (kind === 'gap' ? faults.gapNext : faults.corruptNext).add(sym);
        return;
      }
      case 'malformed': {
        const c = this.pick(o.connId, true, o.connUrl);
        if (!c) return;
        this.mode.send(c, this.mode.malformed(c, this.malformedSeq++, nowMs));
        this.malformedSent++;
        faults.counts.malformed++;
        return;
      }
      case 'stall':
        faults.stalledUntilMs = nowMs + (o.durationMs ?? opts.stallMs);
        faults.counts.stall++;
        this.mode.onStall?.(faults.stalledUntilMs);
        return;
      case 'slowsnapshot':
        faults.slowNextMs = o.delayMs ?? opts.slowSnapshotMs;
        faults.counts.slowsnapshot++;
        return;
      case 'stalesnapshot':
        faults.staleNext = true;
        faults.counts.stalesnapshot++;
        return;
      case 'maxsession':
        this.maxSession(o.olderThanMs ?? opts.maxSessionMs, o.connId);
        return;
      case 'ratelimit':
        faults.rateLimitLeft += o.count ?? 1;
        faults.counts.ratelimit++;
        return;
      case 'shutdown':
        for (const c of this.targets(o.connId)) this.mode.shutdown(c, nowMs);
        faults.counts.shutdown++;
        return;
    }
  }

  /** gap / corrupt / stall on the chosen connections only; the others get everything. */
  private injectOnConn(kind: ConnFaultKind, o: FaultOptions): void {
    const fault = this.mode.connFault;
    if (fault === undefined) throw new Error(`sim: a ${kind} fault on one connection is not supported by the ${this.sim.opts.venue} mode`);
    const syms = [...this.sim.symbols.keys()];
    const venueSymbol = o.venueSymbol ?? syms[this.rotation++ % syms.length];
    if (!this.sim.symbols.has(venueSymbol)) throw new Error(`sim: ${kind} for unknown symbol ${venueSymbol}`);
    const durationMs = o.durationMs ?? this.sim.opts.stallMs;
    let hit = 0;
    for (const c of this.targets(o.connId, o.connUrl)) {
      if (c.ws.readyState !== 1) continue;
      fault(kind, c, { ...o, venueSymbol, durationMs });
      hit++;
    }
    if (hit > 0) this.sim.faults.counts[kind]++;
  }

  private ageLimit(ageMs: number): void {
    this.timers.push(setInterval(() => this.maxSession(ageMs), Math.max(50, Math.min(1000, ageMs / 4))));
  }

  /** Closes (normally, 1000) connections at least `olderThanMs` old. */
  private maxSession(olderThanMs: number, connId?: number): void {
    const nowMs = Date.now();
    for (const c of this.targets(connId)) {
      if (nowMs - c.openedMs < olderThanMs || c.ws.readyState !== 1) continue;
      c.ws.close(1000, 'max session age');
      this.sim.faults.counts.maxsession++;
    }
  }

  private targets(connId?: number, connUrl?: string): C[] {
    const all = [...this.mode.connections()];
    return all.filter((c) => (connId === undefined || c.id === connId) && (connUrl === undefined || (c.url ?? '').includes(connUrl)));
  }

  /** One open connection: the given id, else round-robin (preferring ones with streams). */
  private pick(connId?: number, wantStreams = false, connUrl?: string): C | undefined {
    let list = this.targets(connId, connUrl).filter((c) => c.ws.readyState === 1);
    if (wantStreams && list.some((c) => this.mode.hasStreams(c))) list = list.filter((c) => this.mode.hasStreams(c));
    if (list.length === 0) return undefined;
    return list[this.rotation++ % list.length];
  }
}
