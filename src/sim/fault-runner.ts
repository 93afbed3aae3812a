// Applies faults in every mode: on their `--faults` schedules and on demand (`inject`). What differs
// per mode (which kinds it models, its malformed frames, its planned shutdown, a stall notice)
// comes from its FaultMode. Book faults (gap, corrupt) and one-shot REST faults are only armed
// here, in FaultState: the next book update / HTTP response takes them.
import type { WebSocket } from 'ws';
import { FAULT_KINDS, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
import type { FaultState } from './fault-state.js';

/** What the runner needs of a client connection. */
export interface FaultConn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly openedMs: number;
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
  }

  /** Throws a clear error for an unknown kind or one this mode does not model. */
  check(kind: FaultKind): void {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`sim: unknown fault ${JSON.stringify(kind)}`);
    if (!this.mode.supported.has(kind)) {
      throw new Error(`sim: fault ${kind} is not supported by the ${this.sim.opts.venue} mode (${this.mode.unsupportedWhy})`);
    }
  }

  inject(kind: FaultKind, o: FaultOptions = {}): void {
    this.check(kind);
    const { faults, opts } = this.sim;
    const nowMs = Date.now();
    switch (kind) {
      case 'disconnect': {
        const c = this.pick(o.connId);
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
        const c = this.pick(o.connId, true);
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

  private targets(connId?: number): C[] {
    const all = [...this.mode.connections()];
    return connId === undefined ? all : all.filter((c) => c.id === connId);
  }

  /** One open connection: the given id, else round-robin (preferring ones with streams). */
  private pick(connId?: number, wantStreams = false): C | undefined {
    let list = this.targets(connId).filter((c) => c.ws.readyState === 1);
    if (wantStreams && list.some((c) => this.mode.hasStreams(c))) list = list.filter((c) => this.mode.hasStreams(c));
    if (list.length === 0) return undefined;
    return list[this.rotation++ % list.length];
  }
}
