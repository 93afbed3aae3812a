// Test helpers for the server: start a CLI that serves (record --serve, serve --data-dir) and read
// its address from the first line of its stdout; collect relay messages; compare books with the
// simulator's ground truth.
import type { ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import { expect } from 'vitest';
import type { SimHandle } from '../src/sim/index.js';
import { startCli, type CliResult } from './cli.js';

export interface ServingCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  http: string;
  relay: string;
  metrics: string | undefined;
  stderr(): string;
}

const SERVING_RE = /^marketfeed: serving (http:\/\/\S+\/) \(relay (ws:\/\/\S+\/ws)(?:, metrics (ws:\/\/\S+\/metrics))?\)$/m;

/** Starts the CLI and resolves once it prints where it serves (rejects if it exits first). */
export async function startServing(args: string[], timeoutMs = 20_000): Promise<ServingCli> {
  const { child, done } = startCli(args);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no serving line after ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = SERVING_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, done, http: m[1], relay: m[2], metrics: m[3], stderr: () => err });
      }
    });
    void done.then((r) => {
      clearTimeout(timer);
      reject(new Error(`exited ${r.code} before serving: ${r.stderr.slice(-2000)}`));
    });
  });
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** A relay socket that keeps every message it gets (parsed). */
export class RelayClient {
  readonly messages: any[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<void>;

  constructor(url: string, opts: { headers?: Record<string, string> } = {}) {
    this.ws = new WebSocket(url, opts);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.opened.catch(() => undefined);
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString())));
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      resolve();
    }));
  }

  books(): any[] {
    return this.messages.filter((m) => m.type === 'book_snapshot');
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Polls until `pick` gives a value. */
export async function until<T>(pick: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A relayed or REST book equals the simulator's truth at its update id (true when checked; false when evicted). */
export function expectTruth(sim: SimHandle, book: { venueSymbol: string; updateId: number; bids: [string, string][]; asks: [string, string][] }): boolean {
  const truth = sim.truth.topAt(book.venueSymbol, book.updateId);
  if (truth === undefined) return false;
  const n = book.bids.length;
  expect(book.bids, `${book.venueSymbol} bids at ${book.updateId}`).toEqual(truth.bids.slice(0, n));
  expect(book.asks, `${book.venueSymbol} asks at ${book.updateId}`).toEqual(truth.asks.slice(0, book.asks.length));
  return true;
}
