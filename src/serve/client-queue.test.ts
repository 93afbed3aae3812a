import { describe, expect, it } from 'vitest';
import { ClientQueue, type QueueSocket } from './client-queue.js';

/** A socket whose unsent bytes the test sets: `blocked` makes it look full. */
class FakeSocket implements QueueSocket<string> {
  readonly got: string[] = [];
  blocked = false;
  get bufferedAmount(): number {
    return this.blocked ? 1 << 30 : 0;
  }
  send(text: string): void {
    this.got.push(text);
  }
}

describe('ClientQueue', () => {
  it('sends straight through while the socket keeps up', () => {
    const s = new FakeSocket();
    const q = new ClientQueue<string>(s, 4, 1024);
    expect(q.offer('a')).toBe('sent');
    expect(q.offer('b', 'BTC')).toBe('sent');
    expect(s.got).toEqual(['a', 'b']);
    expect(q.waiting).toBe(0);
  });

  it('conflates waiting books per stream to the newest, keeps everything else in order', () => {
    const s = new FakeSocket();
    const q = new ClientQueue<string>(s, 10, 1024);
    s.blocked = true;
    expect(q.offer('book1', 'BTC')).toBe('queued');
    expect(q.offer('trade1')).toBe('queued');
    expect(q.offer('eth1', 'ETH')).toBe('queued');
    expect(q.offer('book2', 'BTC')).toBe('conflated');
    expect(q.offer('book3', 'BTC')).toBe('conflated');
    expect(q.offer('trade2')).toBe('queued');
    expect(q.waiting).toBe(4);
    s.blocked = false;
    expect(q.drain()).toBe(true);
    // the newest BTC book, in the place of the first one
    expect(s.got).toEqual(['book3', 'trade1', 'eth1', 'trade2']);
    // once drained, new messages go straight out again, in order
    expect(q.offer('x')).toBe('sent');
  });

  it('never sends ahead of waiting messages, and a book sent is not conflated into later', () => {
    const s = new FakeSocket();
    const q = new ClientQueue<string>(s, 10, 1024);
    s.blocked = true;
    q.offer('b1', 'BTC');
    s.blocked = false;
    expect(q.offer('t1')).toBe('queued'); // b1 still waits: order kept
    q.drain();
    s.blocked = true;
    expect(q.offer('b2', 'BTC')).toBe('queued'); // b1 already left: a new slot
    s.blocked = false;
    q.drain();
    expect(s.got).toEqual(['b1', 't1', 'b2']);
  });

  it('overflows past maxMessages waiting: the owner closes the client', () => {
    const s = new FakeSocket();
    const q = new ClientQueue<string>(s, 3, 1024);
    s.blocked = true;
    expect(['t1', 't2', 't3'].map((t) => q.offer(t))).toEqual(['queued', 'queued', 'queued']);
    expect(q.offer('book', 'BTC')).toBe('overflow');
    expect(q.offer('t4')).toBe('overflow');
  });

  it('drains partly while the socket fills again, keeping conflation right after compaction', () => {
    const s = new FakeSocket();
    const q = new ClientQueue<string>(s, 5000, 1024);
    s.blocked = true;
    for (let i = 0; i < 3000; i++) q.offer(`t${i}`);
    q.offer('b0', 'BTC');
    // let 2000 through, then block again
    let n = 0;
    Object.defineProperty(s, 'bufferedAmount', { get: () => (n++ < 2000 ? 0 : 1 << 30) });
    expect(q.drain()).toBe(false);
    expect(q.offer('b1', 'BTC')).toBe('conflated');
    n = -1e9;
    expect(q.drain()).toBe(true);
    expect(s.got.length).toBe(3001);
    expect(s.got.at(-1)).toBe('b1');
  });
});

describe('textFrame', () => {
  it('builds the frames ws would send, for every length class', async () => {
    const { textFrame } = await import('./relay.js');
    const ws = await import('ws');
    const frame = (ws as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } }).Sender.frame;
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
      const text = 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);
      const want = Buffer.concat(frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, rsv1: false, readOnly: false }));
      expect(textFrame(text).equals(want), `length ${n}`).toBe(true);
    }
  });
});
