// The outgoing queue of one relay client. Messages go straight to the socket while it keeps up;
// once the socket holds more than `highWaterBytes` unsent, they wait here. A waiting book message
// is replaced by a newer one of the same stream (conflation: a book is a state, only the newest
// matters); anything else waits in order. Past `maxMessages` waiting the client is too slow to
// serve and the owner closes it. So the recorder never waits for a client, and one client never
// costs more than highWaterBytes plus maxMessages messages.

/** What the queue needs of a socket (a `ws` WebSocket fits). */
export interface QueueSocket<M> {
  readonly bufferedAmount: number;
  send(message: M): void;
}

export type Offer = 'sent' | 'queued' | 'conflated' | 'overflow';

export class ClientQueue<M> {
  /** Waiting messages: items[head..] in order. */
  private items: (M | undefined)[] = [];
  private head = 0;
  /** Stream key → absolute index (head-relative positions shift; absolute ones do not) of its waiting book. */
  private readonly bookAt = new Map<string, number>();
  /** Absolute index of items[0]. */
  private base = 0;
  conflated = 0;
  sent = 0;

  constructor(
    private readonly socket: QueueSocket<M>,
    private readonly maxMessages: number,
    private readonly highWaterBytes: number,
  ) {}

  get waiting(): number {
    return this.items.length - this.head;
  }

  /** `bookKey`: set for book messages (conflated per key). */
  offer(text: M, bookKey?: string): Offer {
    if (this.waiting === 0 && this.socket.bufferedAmount < this.highWaterBytes) {
      this.socket.send(text);
      this.sent++;
      return 'sent';
    }
    if (bookKey !== undefined) {
      const at = this.bookAt.get(bookKey);
      if (at !== undefined && at - this.base >= this.head) {
        this.items[at - this.base] = text;
        this.conflated++;
        return 'conflated';
      }
    }
    if (this.waiting >= this.maxMessages) return 'overflow';
    if (bookKey !== undefined) this.bookAt.set(bookKey, this.base + this.items.length);
    this.items.push(text);
    return 'queued';
  }

  /** Sends what the socket will take now; true when nothing is left waiting. */
  drain(): boolean {
    while (this.head < this.items.length && this.socket.bufferedAmount < this.highWaterBytes) {
      this.socket.send(this.items[this.head] as M);
      this.items[this.head] = undefined;
      this.head++;
      this.sent++;
    }
    if (this.head === this.items.length) {
      this.base += this.items.length;
      this.items = [];
      this.head = 0;
      this.bookAt.clear();
      return true;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return false;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bookAt.clear();
  }
}
