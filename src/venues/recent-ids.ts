// The trade ids a symbol saw most recently, to drop the copies a make-before-break rotation (two
// sockets for a moment) or a resubscription's trade snapshot delivers twice. Membership, not
// order: venues whose ids may arrive out of order (BingX spot) or are not numbers (KuCoin,
// Coinbase) are served the same way.
//
// A venue may also start its numbering again (a new listing, a restarted exchange): its new ids
// are not copies, however many old ones they equal. A numeric id far below the highest one seen is
// taken for such a restart: the memory is cleared so none of the new ids is dropped.

/**
 * How far below the highest id seen a numeric trade id must fall to be a restart of the venue's
 * numbering rather than a late copy. Copies come from seconds ago (a rotation's overlap, a
 * snapshot of the last trades): even venues numbering every trade of the exchange in one sequence
 * do not move a million ids in that time; a restart starts again near its beginning.
 */
export const ID_RESTART_DROP = 1_000_000;

/** True when numeric id `id`, arriving after `highest`, means the venue restarted its ids. */
export function isIdRestart(id: number, highest: number, drop = ID_RESTART_DROP): boolean {
  return highest - id > drop;
}

/** A decimal id's magnitude (exact up to 2^53, close enough beyond for restart detection). */
function numericId(id: string): number | undefined {
  return id.length > 0 && id.length <= 24 && /^[0-9]+$/.test(id) ? Number(id) : undefined;
}

export type IdVerdict = 'new' | 'copy' | 'restart';

export class RecentIds {
  private readonly ring: string[];
  private readonly set = new Set<string>();
  private next = 0;
  /** Highest numeric id remembered since the last restart (-Infinity: none). */
  private highest = -Infinity;
  /** Restarts of the venue's numbering seen. */
  restarts = 0;

  constructor(
    readonly capacity = 4096,
    private readonly restartDrop = ID_RESTART_DROP,
  ) {
    this.ring = new Array<string>(capacity).fill('');
  }

  /** True when `id` was seen among the last `capacity` ids; otherwise remembers it. */
  seen(id: string): boolean {
    return this.check(id) === 'copy';
  }

  /**
   * 'copy' when `id` is among the last `capacity` ids; otherwise remembers it: 'restart' when it
   * is numeric and far below the highest id seen (the memory of the old numbering is dropped
   * first), else 'new'.
   */
  check(id: string): IdVerdict {
    if (this.set.has(id)) return 'copy';
    const n = numericId(id);
    let verdict: IdVerdict = 'new';
    if (n !== undefined && isIdRestart(n, this.highest, this.restartDrop)) {
      this.forget();
      this.restarts++;
      verdict = 'restart';
    }
    if (n !== undefined && n > this.highest) this.highest = n;
    const old = this.ring[this.next];
    if (old !== '') this.set.delete(old);
    this.ring[this.next] = id;
    this.set.add(id);
    this.next = (this.next + 1) % this.capacity;
    return verdict;
  }

  private forget(): void {
    this.ring.fill('');
    this.set.clear();
    this.next = 0;
    this.highest = -Infinity;
  }
}
