// The trade ids a symbol saw most recently, to drop the copies a make-before-break rotation (two
// sockets for a moment) or a resubscription's trade snapshot delivers twice. Membership, not
// order: venues whose ids may arrive out of order (BingX spot) or are not numbers (KuCoin,
// Coinbase) are served the same way.
export class RecentIds {
  private readonly ring: string[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(readonly capacity = 4096) {
    this.ring = new Array<string>(capacity).fill('');
  }

  /** True when `id` was seen among the last `capacity` ids; otherwise remembers it. */
  seen(id: string): boolean {
    if (this.set.has(id)) return true;
    const old = this.ring[this.next];
    if (old !== '') this.set.delete(old);
    this.ring[this.next] = id;
    this.set.add(id);
    this.next = (this.next + 1) % this.capacity;
    return false;
  }
}
