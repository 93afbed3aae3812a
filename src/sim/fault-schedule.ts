// The seeded random fault schedule (`--faults random` or `random=3s`, with `--fault-seed N`): for
// soak runs that should meet every fault, in ever new orders and overlaps, yet be repeatable. The
// schedule goes in rounds; each round fires every kind the mode models once, in a shuffled order,
// a random 0.25–1.75 × the mean interval apart, with random strengths (stall length, snapshot
// delay, how many 429s). Rounds guarantee coverage: a run of N × (kinds × mean) meets each kind
// N times, which a plain draw per fault would not promise. The same seed and kinds give the same
// plan; what each fault then hits (which connection, which symbol) is the runner's rotation.
//
// Scope `line` (`--fault-scope line`, for a redundant A/B recorder): every fault that can be aimed
// at one connection hits one open connection, drawn from the seed — disconnects, malformed frames,
// planned shutdowns and forced session ends of that socket, and gaps, corruptions and stalls of
// that socket alone where the mode models them (conn-faults.ts; where it does not, those kinds are
// left out of the plan rather than hit every line). REST faults stay as they are.
import { parseDurationMs } from '../core/time.js';
import { Rng } from './rng.js';
import type { FaultConn, FaultMode } from './fault-runner.js';
import type { FaultKind, FaultOptions } from './faults.js';

export const RANDOM_FAULTS = 'random';
export const FAULT_SCOPES = ['venue', 'line'] as const;
export type FaultScope = (typeof FAULT_SCOPES)[number];
/** Kinds that act on sockets: in scope `line`, on one. */
const ON_A_SOCKET: ReadonlySet<FaultKind> = new Set(['disconnect', 'malformed', 'shutdown', 'maxsession']);
const ON_ONE_SOCKET_IF_MODELLED: ReadonlySet<FaultKind> = new Set(['gap', 'corrupt', 'stall']);
const DEFAULT_MEAN_MS = 3000;

export interface RandomFaultSpec {
  /** Mean time between two faults. */
  meanMs: number;
}

/** One planned fault: fire `kind` with `opts`, `delayMs` after the previous one. */
export interface PlannedFault {
  delayMs: number;
  kind: FaultKind;
  opts: FaultOptions;
}

/**
 * `random` or `random=<mean interval>` → the spec; any other text → undefined (a `kind=interval`
 * list, read by parseFaults). Throws on `random=<not a duration>`.
 */
export function parseRandomFaults(text: string): RandomFaultSpec | undefined {
  const t = text.trim();
  if (t !== RANDOM_FAULTS && !t.startsWith(`${RANDOM_FAULTS}=`)) return undefined;
  const meanMs = t === RANDOM_FAULTS ? DEFAULT_MEAN_MS : parseDurationMs(t.slice(RANDOM_FAULTS.length + 1));
  if (!(meanMs > 0)) throw new Error(`fault schedule ${JSON.stringify(t)}: want random or random=<mean interval> such as random=3s`);
  return { meanMs };
}

/** The endless plan for `kinds` (in a fixed order; shuffled per round from the seed). */
export function* planRandomFaults(kinds: readonly FaultKind[], seed: number, meanMs: number): Generator<PlannedFault> {
  if (kinds.length === 0) return;
  const rng = new Rng(seed ^ 0x5eed_fa17);
  const round = [...kinds];
  for (;;) {
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [round[i], round[j]] = [round[j], round[i]];
    }
    for (const kind of round) {
      const delayMs = Math.round(meanMs * (0.25 + 1.5 * rng.next()));
      yield { delayMs, kind, opts: strength(kind, rng, meanMs) };
    }
  }
}

/** How hard one fault hits: stalls and slow snapshots up to a mean interval long (at most 5 s). */
function strength(kind: FaultKind, rng: Rng, meanMs: number): FaultOptions {
  const upToMs = Math.max(500, Math.min(5000, meanMs));
  switch (kind) {
    case 'stall':
      return { durationMs: rng.int(250, upToMs) };
    case 'slowsnapshot':
      return { delayMs: rng.int(250, upToMs) };
    case 'ratelimit':
      return { count: rng.int(1, 3) };
    case 'maxsession':
      return { olderThanMs: 0 }; // every open connection reaches its forced end now
    default:
      return {};
  }
}

/** What the schedule reads of SimOptions. */
export interface ScheduleOptions {
  faults?: unknown;
  seed?: number;
  faultSeed?: number;
  faultScope?: FaultScope;
}

/**
 * The schedule `options.faults` asks for (undefined unless `random…`), over the kinds `mode`
 * models, firing through `inject`; started.
 */
export function startRandomFaults<C extends FaultConn>(
  options: ScheduleOptions,
  mode: FaultMode<C>,
  inject: (kind: FaultKind, opts: FaultOptions) => void,
): RandomFaultSchedule | undefined {
  const random = typeof options.faults === 'string' ? parseRandomFaults(options.faults) : undefined;
  if (random === undefined) return undefined;
  const seed = options.faultSeed ?? options.seed ?? 1;
  const line = options.faultScope === 'line';
  const kinds = [...mode.supported].filter((k) => !line || !ON_ONE_SOCKET_IF_MODELLED.has(k) || mode.connFault !== undefined);
  const openIds = (): number[] => [...mode.connections()].filter((c) => c.ws.readyState === 1).map((c) => c.id).sort((a, b) => a - b);
  const schedule = new RandomFaultSchedule(planRandomFaults(kinds, seed, random.meanMs), inject, line ? { rng: new Rng(seed ^ 0x11e5), openIds } : undefined);
  schedule.start();
  return schedule;
}

/** Fires a plan on timers until stopped. */
export class RandomFaultSchedule {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly plan: Iterator<PlannedFault>,
    private readonly inject: (kind: FaultKind, opts: FaultOptions) => void,
    /** Scope `line`: aim each socket fault at one of these open connections. */
    private readonly oneLine?: { rng: Rng; openIds: () => number[] },
  ) {}

  start(): void {
    this.next();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private next(): void {
    if (this.stopped) return;
    const step = this.plan.next();
    if (step.done) return;
    const { delayMs, kind, opts } = step.value;
    this.timer = setTimeout(() => {
      const aimed = this.aim(kind, opts);
      if (aimed !== undefined) this.inject(kind, aimed);
      this.next();
    }, delayMs);
  }

  /** The options of one fault in scope `line` (undefined: no open connection to hit, skipped). */
  private aim(kind: FaultKind, opts: FaultOptions): FaultOptions | undefined {
    if (this.oneLine === undefined || !(ON_A_SOCKET.has(kind) || ON_ONE_SOCKET_IF_MODELLED.has(kind))) return opts;
    const ids = this.oneLine.openIds();
    if (ids.length === 0) return undefined;
    return { ...opts, connId: ids[this.oneLine.rng.int(0, ids.length - 1)] };
  }
}
