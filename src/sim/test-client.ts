// A plain ws client for the simulator's own tests (imported only by *.test.ts): it keeps every text
// frame as received, sends JSON (or a raw string), and a pool closes a test's clients afterwards.
import WebSocket from 'ws';
import type { SimHandle } from './handle.js';

export class TestClient {
  readonly texts: string[] = [];
  readonly ws: WebSocket;
  /** Set once the socket closed. */
  closed: { code: number } | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d) => this.texts.push(d.toString()));
    this.ws.on('close', (code) => (this.closed = { code }));
    this.ws.on('error', () => {});
  }

  opened(): Promise<void> {
    return new Promise((resolve) => this.ws.once('open', () => resolve()));
  }

  /** A string goes out as is, anything else as JSON. */
  send(o: unknown): void {
    this.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
  }

  /** Every frame that parses as JSON, in order. */
  msgs(): any[] {
    return this.texts.flatMap((t) => {
      try {
        return [JSON.parse(t)];
      } catch {
        return [];
      }
    });
  }
}

/** The clients of one test file: `connect` opens one, `close` (in afterEach) ends them and the sim. */
export class ClientPool {
  private readonly open: TestClient[] = [];

  async connect(url: string): Promise<TestClient> {
    const c = new TestClient(url);
    this.open.push(c);
    await c.opened();
    return c;
  }

  async close(sim: SimHandle | undefined): Promise<void> {
    for (const c of this.open.splice(0)) c.ws.terminate();
    await sim?.stop();
  }
}
