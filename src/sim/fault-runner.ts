// Applies faults: on their `--faults` schedules and on demand (`inject`). One-shot REST faults
// are left pending in FaultState for the HTTP server; the gap is taken by the engine's next frame.
import { BINANCE_FAULTS, FAULT_KINDS, malformedFrame, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
import type { SimCore } from './sim-core.js';
import type { SimConnection } from './ws-hub.js';
import { serverShutdown, wrap } from './wire.js';

export class FaultRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private rotation = 0;
  private malformedSeq = 0;
  malformedSent = 0;
  disconnects = 0;

  constructor(private readonly core: SimCore) {}

  start(specs: FaultSpec[]): void {
    for (const spec of specs) this.check(spec.kind);
    for (const spec of specs) {
      if (spec.kind === 'maxsession') {
        // A session-age limit: checked often, closing each connection as it comes of age.
        const age = spec.everyMs;
        this.timers.push(setInterval(() => this.maxSession(age), Math.max(50, Math.min(1000, age / 4))));
      } else {
        this.timers.push(setInterval(() => this.inject(spec.kind), spec.everyMs));
      }
    }
    const limit = this.core.opts.maxSessionMs;
    if (limit > 0) this.timers.push(setInterval(() => this.maxSession(limit), Math.max(50, Math.min(1000, limit / 4))));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  /** Throws a clear error for an unknown kind or one these modes do not model. */
  check(kind: FaultKind): void {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`sim: unknown fault ${JSON.stringify(kind)}`);
    if (!BINANCE_FAULTS.has(kind)) throw new Error(`sim: fault ${kind} is not supported by the ${this.core.opts.venue} mode (it has no book checksum)`);
  }

  inject(kind: FaultKind, o: FaultOptions = {}): void {
    this.check(kind);
    const { faults, opts } = this.core;
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
      case 'gap': {
        const syms = [...this.core.symbols.keys()];
        const sym = o.venueSymbol ?? syms[this.rotation++ % syms.length];
        if (!this.core.symbols.has(sym)) throw new Error(`sim: gap for unknown symbol ${sym}`);
        faults.gapNext.add(sym); // counted when the frame is actually dropped
        return;
      }
      case 'malformed': {
        const c = this.pick(o.connId, true);
        if (!c) return;
        const first = c.streams.values().next();
        const stream = c.combined ? (first.done ? 'btcusdt@depth@100ms' : first.value) : undefined;
        const sym = [...this.core.symbols.keys()][0];
        this.core.hub.send(c, malformedFrame(this.malformedSeq++, sym, stream, nowMs));
        this.malformedSent++;
        faults.counts.malformed++;
        return;
      }
      case 'stall':
        faults.stalledUntilMs = nowMs + (o.durationMs ?? opts.stallMs);
        faults.counts.stall++;
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
      case 'shutdown': {
        const payload = serverShutdown(nowMs);
        for (const c of this.targets(o.connId)) {
          this.core.hub.send(c, c.combined ? wrap('!serverShutdown', payload) : payload);
          c.ws.close(1001, 'server shutdown');
        }
        faults.counts.shutdown++;
        return;
      }
    }
  }

  /** Closes (normally, 1000) connections at least `olderThanMs` old. */
  private maxSession(olderThanMs: number, connId?: number): void {
    const nowMs = Date.now();
    for (const c of this.targets(connId)) {
      if (nowMs - c.openedMs < olderThanMs || c.ws.readyState !== 1) continue;
      c.ws.close(1000, 'max session age');
      this.core.faults.counts.maxsession++;
    }
  }

  private targets(connId?: number): SimConnection[] {
    const all = [...this.core.hub.connections.values()];
    return connId === undefined ? all : all.filter((c) => c.id === connId);
  }

  /** One connection: the given id, else round-robin (preferring ones with streams). */
  private pick(connId?: number, wantStreams = false): SimConnection | undefined {
    let list = this.targets(connId).filter((c) => c.ws.readyState === 1);
    if (wantStreams && list.some((c) => c.streams.size > 0)) list = list.filter((c) => c.streams.size > 0);
    if (list.length === 0) return undefined;
    return list[this.rotation++ % list.length];
  }
}
