// Faults for the Kraken / OKX / Bitfinex modes, on their `--faults` schedules and on demand. The
// book faults (gap, corrupt) are left pending per symbol and taken by the protocol module on the
// next book update that the venue's check can see; the rest act on connections or REST here.
import { FAULT_KINDS, type FaultKind, type FaultOptions, type FaultSpec } from '../faults.js';
import type { VenueConn, VenueCtx, VenueProtocol } from './context.js';

export class VenueFaultRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private rotation = 0;
  private malformedSeq = 0;
  malformedSent = 0;
  disconnects = 0;

  constructor(
    private readonly ctx: VenueCtx,
    private readonly proto: VenueProtocol,
  ) {}

  /** Throws a clear error for a kind this venue does not model. */
  check(kind: FaultKind): void {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`sim: unknown fault ${JSON.stringify(kind)}`);
    if (!this.proto.faults.has(kind)) {
      throw new Error(`sim: fault ${kind} is not supported by the ${this.ctx.opts.venue} mode (supported: ${[...this.proto.faults].join(', ')})`);
    }
  }

  start(specs: FaultSpec[]): void {
    for (const spec of specs) this.check(spec.kind);
    for (const spec of specs) {
      if (spec.kind === 'maxsession') {
        const age = spec.everyMs;
        this.timers.push(setInterval(() => this.maxSession(age), Math.max(50, Math.min(1000, age / 4))));
      } else {
        this.timers.push(setInterval(() => this.inject(spec.kind), spec.everyMs));
      }
    }
    const limit = this.ctx.opts.maxSessionMs;
    if (limit > 0) this.timers.push(setInterval(() => this.maxSession(limit), Math.max(50, Math.min(1000, limit / 4))));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  inject(kind: FaultKind, o: FaultOptions = {}): void {
    this.check(kind);
    const { faults, opts } = this.ctx;
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
        const syms = [...this.ctx.symbols.keys()];
        const sym = o.venueSymbol ?? syms[this.rotation++ % syms.length];
        if (!this.ctx.symbols.has(sym)) throw new Error(`sim: ${kind} for unknown symbol ${sym}`);
        // Counted by the protocol module when the update is actually dropped / altered.
        (kind === 'gap' ? faults.gapNext : faults.corruptNext).add(sym);
        return;
      }
      case 'malformed': {
        const c = this.pick(o.connId, true);
        if (!c) return;
        this.ctx.send(c, this.proto.malformed(c, this.malformedSeq++));
        this.malformedSent++;
        faults.counts.malformed++;
        return;
      }
      case 'stall':
        faults.stalledUntilMs = nowMs + (o.durationMs ?? opts.stallMs);
        faults.counts.stall++;
        this.proto.onStall?.(faults.stalledUntilMs);
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
        for (const c of this.targets(o.connId)) this.proto.shutdown(c);
        faults.counts.shutdown++;
        return;
    }
  }

  /** Closes (normally, 1000) connections at least `olderThanMs` old. */
  private maxSession(olderThanMs: number, connId?: number): void {
    const nowMs = Date.now();
    for (const c of this.targets(connId)) {
      if (nowMs - c.openedMs < olderThanMs || c.ws.readyState !== 1) continue;
      c.ws.close(1000, 'max session age');
      this.ctx.faults.counts.maxsession++;
    }
  }

  private targets(connId?: number): VenueConn[] {
    const all = [...this.ctx.conns.values()];
    return connId === undefined ? all : all.filter((c) => c.id === connId);
  }

  /** One open connection: the given id, else round-robin (preferring ones with subscriptions). */
  private pick(connId?: number, wantSubs = false): VenueConn | undefined {
    let list = this.targets(connId).filter((c) => c.ws.readyState === 1);
    if (wantSubs && list.some((c) => c.subs.size > 0)) list = list.filter((c) => c.subs.size > 0);
    if (list.length === 0) return undefined;
    return list[this.rotation++ % list.length];
  }
}
