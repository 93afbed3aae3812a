// Redundant A/B lines (`record --redundant 2`): two sockets carry the same streams, and one
// symbol's depth updates from both are merged into one stream for its book, the way exchange feed
// handlers arbitrate their A and B feeds. The first copy of each update wins; the other copy is a
// duplicate (counted, not a reject, not a gap).
//
// Sequence venues (updates with ids: Binance U/u, futures pu, OKX seqId …): an update is judged
// against the last one forwarded with the venue's own BookRule.next: 'stale' is a copy already
// forwarded, 'apply' continues the stream. One that does not chain means its line missed
// something; the other line may still deliver it (it can be behind), so that line's updates are
// held, in order, until the missing ids arrive (then both drain) or every open line has passed
// them without them. Only then is it a gap: the earliest held update goes to the book, which
// declares the gap and resyncs as it does without redundancy. A held queue is bounded
// (MAX_HELD): a line that waits longer for a silent partner decides the gap itself; a stalled
// partner is also closed by its no-data watchdog, and that `close` mark decides as well.
//
// Venues whose updates carry no ids (Kraken, Bitfinex: checksums only) cannot tell a skipped update
// from a late one, so the book follows one line, the leader, and a copy is known by what identifies
// an update there: exchange time, the venue's checksum and the levels (Bitfinex's own checksum
// frames: time and value). The other line's updates that the leader has not brought yet wait, in
// order (bounded); when the leader closes, the other line takes over from them, so an update
// the leader never delivered still comes. A resubscribed line's snapshot folds in updates it will
// not send; were its updates taken before the leader's, the book would go out of order.
//
// A copy can also be bad without breaking any chain: parseable, ids in order, one level altered
// (OKX), or an id-less leader's skipped or altered update (Kraken). The venue's checksum on the
// update shows it, and the book (SyncEngine.verifyCopies) takes such a copy back before anything
// of it leaves the engine and asks rejectCopy() whether another line can bring the update. Sequence
// venues: the merge forgets it forwarded that copy, so the line that brought it waits (its next
// updates do not chain) for the other line's copy, which goes to the book and is checked in turn.
// Id-less venues: the bad copy's key is forgotten and the other line becomes the leader from the
// last good update, with what it brought ahead. Bitfinex checks its book only at its own checksum
// frames: a failing one takes back every update since the last good one, so the followers keep
// their copies of those (in `ahead`) until a checksum frame confirms them. A second bad copy in a
// row is a gap, as is a bad copy no other open line can replace.
//
// Everything here is a pure function of the order frames arrive in (connId + recvSeq in the raw
// capture), and the open/close marks: replay merges exactly as live capture did.
import { LevelBatch } from '../book/levels.js';
import type { BookRule, DepthUpdate } from '../book/types.js';

/** Updates one line may hold while it waits for its partner to deliver what it missed. */
export const MAX_HELD = 2000;

/** Update keys remembered per symbol for id-less venues. */
const RECENT_KEYS = 4096;

/** What the merger did, for the status line and the ledger. */
export interface RedundancyStats {
  /** Second copies dropped. */
  duplicates: number;
  /** Per line (`a`, `b`): updates it delivered while the other line was holding, missing them. */
  fills: Record<string, number>;
  /** Updates both lines missed (a gap the book declared). */
  bothMissed: number;
  /** Copies the book found bad by their checksum and took back: the other line's copy replaced them. */
  rejected: number;
}

/** Id-less venues: an update or a checksum frame, as the line delivered it. */
type Keyed =
  | { key: string; ts: number; update: DepthUpdate }
  | { key: string; ts: number; checksum: { value: number; ts: number; ours: number | undefined } };

interface Line {
  /** `a` or `b`. */
  name: string;
  /** Updates that do not chain yet, oldest first (copies: decoders reuse their buffers). */
  held: DepthUpdate[];
  /** lastId of this socket's previous update (its own chain: where it skipped something). */
  lastId: number | undefined;
  /** Id-less venues, not the leader: what this line brought before the leader did, in order. */
  ahead: Keyed[];
}

/** One symbol's merge of the depth updates of every open socket of its plan. */
export class LineMerger {
  readonly stats: RedundancyStats = { duplicates: 0, fills: {}, bothMissed: 0, rejected: 0 };
  /** Open sockets by connId, in the order they opened (the order queues are drained in). */
  private readonly lines = new Map<number, Line>();
  /** lastId of the last update forwarded; undefined before the first. */
  private last: number | undefined = undefined;
  /** The line of the last update forwarded, and `last` before it (rejectCopy puts it back). */
  private lastFrom: Line | undefined = undefined;
  private prevLast: number | undefined = undefined;
  /** Id-less venues: keys forwarded recently, and the socket whose order the book follows. */
  private readonly keys = new KeyRing(RECENT_KEYS);
  private leader: number | undefined = undefined;
  /** Exchange time of the last keyed update or checksum forwarded (increasing in the venue's order). */
  private leaderTs = -Infinity;
  /** The last keyed update or checksum forwarded (the one rejectCopy may concern). */
  private lastKeyed: Keyed | undefined = undefined;
  /**
   * Keys forwarded since the last checksum that held (an update's own, or a checksum frame), in
   * order, and leaderTs then: what a failing checksum takes back. The followers' copies of these
   * stay ahead until that checksum holds: they are what replaces them.
   */
  private unconfirmed: string[] = [];
  private readonly unconfirmedKeys = new Set<string>();
  private confirmedTs = -Infinity;
  /** Counts lead() calls: one that finds it changed while sending knows the book refused its line. */
  private leads = 0;
  /**
   * Receive time of the input being handled: a held update goes on stamped with the time it was
   * released (rows never go back in local time), the same in replay as live.
   */
  private nowTs = 0;

  constructor(
    private readonly rule: Pick<BookRule, 'next'>,
    /** The book's input: every update once, in the venue's order. */
    private readonly forward: (u: DepthUpdate) => void,
    private readonly maxHeld = MAX_HELD,
    /** Id-less venues' own checksum frames (Bitfinex `cs`), once each, in the leader's order. */
    private readonly forwardChecksum: (value: number, ts: number, localTs: number, ours: number | undefined) => void = () => {},
  ) {}

  /** A socket of the plan opened (its `open` mark), on line `name`. */
  lineUp(connId: number, name: string): void {
    if (!this.lines.has(connId)) this.lines.set(connId, { name, held: [], lastId: undefined, ahead: [] });
    this.stats.fills[name] ??= 0;
  }

  /** A socket closed: it delivers nothing more, so whoever waited for it decides now. */
  lineDown(connId: number, localTs: number): void {
    if (!this.lines.delete(connId)) return;
    this.nowTs = Math.max(this.nowTs, localTs);
    if (this.lines.size === 0) {
      this.reset();
      return;
    }
    if (connId === this.leader) this.takeOver();
    this.drain();
  }

  /** Every line is down: the book starts over, nothing carries over. */
  reset(): void {
    this.last = undefined;
    this.lastFrom = undefined;
    this.leader = undefined;
    this.leaderTs = -Infinity;
    this.lastKeyed = undefined;
    this.confirmed();
    for (const l of this.lines.values()) {
      l.held.length = 0;
      l.ahead.length = 0;
    }
  }

  /**
   * The book loaded a stream snapshot at `lastId` (-1: id-less) from socket `connId`: the stream
   * continues it (id-less: that socket's order is the book's from now on).
   */
  restart(lastId: number, localTs: number, connId: number, ts = 0): void {
    this.nowTs = Math.max(this.nowTs, localTs);
    if (lastId < 0) {
      this.leader = connId;
      this.leaderTs = ts > 0 ? ts : -Infinity;
      for (const l of this.lines.values()) l.ahead.length = 0;
    }
    this.last = lastId < 0 ? undefined : lastId;
    this.lastFrom = undefined;
    this.lastKeyed = undefined;
    this.confirmed();
    this.drain();
  }

  /**
   * The book found the copy `u` it was just forwarded bad (its checksum) and took it back: true
   * when another open line can still bring that update, and the merge then takes it from there
   * (possibly at once, from inside this call); false: no replacement, the book declares the gap.
   * Only for the update forwarded last (the book checks each one as it comes); `undefined`: the
   * checksum frame forwarded last (Bitfinex `cs`) failed, and the book took back every update
   * since the last one that held.
   */
  rejectCopy(u: DepthUpdate | undefined): boolean {
    return u === undefined || u.lastId < 0 ? this.rejectKeyed(u) : this.rejectSequenced(u);
  }

  private rejectSequenced(u: DepthUpdate): boolean {
    const from = this.lastFrom;
    if (from === undefined || this.last !== u.lastId) return false;
    let other = false;
    for (const l of this.lines.values()) {
      if (l === from) continue;
      // a line that has not reached this id yet will bring it; one that holds it has it
      if (l.lastId === undefined || l.lastId < u.lastId || l.held.some((h) => h.lastId === u.lastId)) other = true;
    }
    if (!other) return false;
    // as if the copy never came: the line that brought it has skipped it, so its next updates
    // do not chain and are held until the other line's copy goes on (drain, by whoever called send)
    this.last = this.prevLast;
    this.lastFrom = undefined;
    this.stats.rejected++;
    return true;
  }

  private rejectKeyed(u: DepthUpdate | undefined): boolean {
    const bad = this.lastKeyed;
    if (bad === undefined || this.leader === undefined) return false;
    if (u === undefined ? !('checksum' in bad) : !('update' in bad) || bad.update !== u) return false;
    let next: [number, Line] | undefined;
    for (const e of this.lines) {
      if (e[0] === this.leader) continue;
      next = e;
      break;
    }
    if (next === undefined) return false;
    // as if the leader never brought them: the other line leads from the last good checksum,
    // first with what it brought ahead (it may hold these very updates), then as it comes
    for (let i = this.unconfirmed.length - 1; i >= 0; i--) this.keys.removeLast(this.unconfirmed[i]);
    this.leaderTs = this.confirmedTs;
    this.confirmed();
    this.lastKeyed = undefined;
    this.stats.rejected++;
    this.lead(next[0], next[1]);
    return true;
  }

  /** A depth update from socket `connId`. */
  offer(connId: number, u: DepthUpdate): void {
    if (u.localTs > this.nowTs) this.nowTs = u.localTs;
    const line = this.lineOf(connId);
    if (u.lastId < 0) {
      this.offerKeyed(connId, line, { key: updateKey(u), ts: u.ts, update: u });
      return;
    }
    const skipped = line.lastId !== undefined && this.rule.next(line.lastId, u).kind === 'gap';
    line.lastId = u.lastId;
    if (line.held.length === 0) {
      const v = this.verdict(u);
      // this line skipped something the other line had already brought: a fill-in by the other
      if (skipped && v !== 'gap') this.creditOthers(line);
      if (v === 'stale') {
        this.stats.duplicates++;
        return;
      }
      if (v === 'apply') {
        this.send(line, u);
        this.drain();
        return;
      }
    }
    line.held.push(copyUpdate(u));
    this.drain();
  }

  /** Updates held now, over every line (tests, status). */
  get held(): number {
    let n = 0;
    for (const l of this.lines.values()) n += l.held.length;
    return n;
  }

  private verdict(u: DepthUpdate): 'apply' | 'stale' | 'gap' {
    if (this.last === undefined) return 'apply';
    // not past the last one forwarded: a copy (whatever the venue's rule says of an old update:
    // OKX's only knows prevSeqId == the book's seqId, and a line that resubscribed starts behind)
    if (u.lastId <= this.last) return 'stale';
    const k = this.rule.next(this.last, u).kind;
    return k === 'apply' || k === 'stale' ? k : 'gap';
  }

  private creditOthers(skipper: Line): void {
    for (const l of this.lines.values()) {
      if (l.name === skipper.name) continue;
      this.stats.fills[l.name] = (this.stats.fills[l.name] ?? 0) + 1;
      return;
    }
  }

  private send(from: Line, u: DepthUpdate): void {
    for (const l of this.lines.values()) {
      if (l !== from && l.held.length > 0) {
        // the other line is waiting for exactly this: this line filled in for it
        this.stats.fills[from.name] = (this.stats.fills[from.name] ?? 0) + 1;
        break;
      }
    }
    this.prevLast = this.last;
    this.lastFrom = from;
    this.last = u.lastId;
    this.forward(u);
  }

  /** Forwards what chains now; decides a gap once no open line can deliver what is missing. */
  private drain(): void {
    for (;;) {
      let moved = false;
      for (const line of this.lines.values()) {
        while (line.held.length > 0) {
          const v = this.verdict(line.held[0]);
          if (v === 'gap') break;
          const u = line.held.shift()!;
          if (v === 'stale') this.stats.duplicates++;
          else this.send(line, released(u, this.nowTs));
          moved = true;
        }
      }
      if (moved) continue;
      let first: Line | undefined;
      let waiting = false;
      let full = false;
      for (const line of this.lines.values()) {
        if (line.held.length === 0) {
          waiting = true; // this line has not passed the missing ids yet: it may still deliver them
          continue;
        }
        if (line.held.length > this.maxHeld) full = true;
        if (first === undefined || line.held[0].firstId < first.held[0].firstId) first = line;
      }
      if (first === undefined || (waiting && !full)) return;
      // every open line passed the missing ids without them (or one waited too long): a gap,
      // declared by the book on the earliest update held
      if (this.lines.size > 1) this.stats.bothMissed++;
      this.send(first, released(first.held.shift()!, this.nowTs));
    }
  }

  /** A checksum frame of its own (Bitfinex `cs`) from socket `connId`, merged like the updates it covers. */
  offerChecksum(connId: number, value: number, ts: number, localTs: number, ours?: number): void {
    if (localTs > this.nowTs) this.nowTs = localTs;
    this.offerKeyed(connId, this.lineOf(connId), { key: `cs ${ts} ${value}`, ts, checksum: { value, ts, ours } });
  }

  private lineOf(connId: number): Line {
    let line = this.lines.get(connId);
    if (line === undefined) {
      // frames of a socket whose open mark this core did not see (a capture cut mid-run)
      line = { name: '?', held: [], lastId: undefined, ahead: [] };
      this.lines.set(connId, line);
    }
    return line;
  }

  private offerKeyed(connId: number, line: Line, k: Keyed): void {
    this.leader ??= connId;
    const follower = connId !== this.leader;
    // (a follower's copy of what the leader brought but no checksum confirmed yet is kept: it
    // replaces the leader's should that checksum fail)
    if (this.keys.has(k.key) && !(follower && this.unconfirmedKeys.has(k.key))) {
      this.stats.duplicates++;
      return;
    }
    if (follower) {
      // ahead of the leader (or something the leader will never bring): kept until one or the other
      line.ahead.push('update' in k ? { key: k.key, ts: k.ts, update: copyUpdate(k.update) } : k);
      if (line.ahead.length > this.maxHeld && this.keys.has(line.ahead.shift()!.key)) this.stats.duplicates++;
      return;
    }
    this.sendKeyed(k);
  }

  /** A checksum held (or none is pending): what was forwarded so far stays. */
  private confirmed(): void {
    this.unconfirmed.length = 0;
    this.unconfirmedKeys.clear();
    this.confirmedTs = this.leaderTs;
  }

  private sendKeyed(k: Keyed): void {
    // checked by the book as it goes on (Kraken: what came before stays, whatever this one's
    // checksum says), or only by the next checksum frame (Bitfinex)
    const own = 'update' in k && k.update.checksum !== undefined;
    if (own) this.confirmed();
    this.keys.add(k.key);
    this.lastKeyed = k;
    this.unconfirmed.push(k.key);
    this.unconfirmedKeys.add(k.key);
    if (k.ts > this.leaderTs) this.leaderTs = k.ts;
    const checked = own || 'checksum' in k;
    if ('update' in k) this.forward(k.update);
    else this.forwardChecksum(k.checksum.value, k.checksum.ts, this.nowTs, k.checksum.ours);
    // refused (rejectCopy, from inside the call): the next leader took over from there
    if (this.lastKeyed !== k) return;
    if (!checked) {
      // never confirmed (a venue whose checksum frames do not come): bounded like a held queue
      if (this.unconfirmed.length > this.maxHeld) this.unconfirmedKeys.delete(this.unconfirmed.shift()!);
      return;
    }
    this.confirmed();
    // the others' copies of what the leader brought are no longer ahead, nor is what the leader
    // has passed (older than what it brings now: folded into a snapshot, or missed by the
    // leader, too late to take either way)
    for (const l of this.lines.values()) {
      while (l.ahead.length > 0 && (this.keys.has(l.ahead[0].key) || l.ahead[0].ts < this.leaderTs)) {
        l.ahead.shift();
        this.stats.duplicates++;
      }
    }
  }

  /** The leader closed: the next line leads, starting with what it brought ahead of the old leader. */
  private takeOver(): void {
    const next = this.lines.entries().next();
    if (next.done === true) {
      this.leader = undefined;
      return;
    }
    this.lead(next.value[0], next.value[1]);
  }

  /** Line `connId` leads from now on, starting with what it brought ahead of the old leader. */
  private lead(connId: number, line: Line): void {
    this.leader = connId;
    const seq = ++this.leads;
    const ahead = line.ahead.splice(0, line.ahead.length);
    let filled = 0;
    for (let i = 0; i < ahead.length; i++) {
      const k = ahead[i];
      if (this.keys.has(k.key) || k.ts < this.leaderTs) {
        this.stats.duplicates++;
        continue;
      }
      if ('update' in k) released(k.update, this.nowTs);
      this.sendKeyed(k);
      filled++;
      if (this.leads !== seq) {
        // the book refused this line's copy (rejectCopy): the rest waits as the follower's again
        line.ahead.unshift(...ahead.slice(i + 1));
        filled--;
        break;
      }
    }
    if (filled > 0) this.stats.fills[line.name] = (this.stats.fills[line.name] ?? 0) + filled;
  }
}

/** The last `capacity` keys added, for membership. */
class KeyRing {
  private readonly ring: (string | undefined)[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  has(key: string): boolean {
    return this.set.has(key);
  }

  /** Forgets `key` if it is the one added last (a copy taken back right after it went on). */
  removeLast(key: string): void {
    const at = (this.next + this.ring.length - 1) % this.ring.length;
    if (this.ring[at] !== key) return;
    this.ring[at] = undefined;
    this.set.delete(key);
    this.next = at;
  }

  add(key: string): void {
    if (this.set.has(key)) return;
    const old = this.ring[this.next];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.next] = key;
    this.set.add(key);
    this.next = (this.next + 1) % this.ring.length;
  }
}

/** What identifies an id-less update: exchange time, checksum and the levels as sent. */
export function updateKey(u: DepthUpdate): string {
  let key = `${u.ts} ${u.checksum ?? ''}`;
  const lv = u.levels;
  for (let i = 0; i < lv.length; i++) key += ` ${lv.sideAt(i)}${lv.priceTextAt(i)}:${lv.amountTextAt(i)}`;
  return key;
}

/** A held update (our own copy) goes on at the receive time of what released it. */
function released(u: DepthUpdate, localTs: number): DepthUpdate {
  if (localTs > u.localTs) u.localTs = localTs;
  return u;
}

function copyUpdate(u: DepthUpdate): DepthUpdate {
  const c: DepthUpdate = { ts: u.ts, localTs: u.localTs, firstId: u.firstId, lastId: u.lastId, prevId: u.prevId, levels: LevelBatch.from(u.levels) };
  if (u.checksum !== undefined) c.checksum = u.checksum;
  return c;
}
