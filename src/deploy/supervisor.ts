// Runs the processes of a deploy spec as children: their output goes on, line by line, behind
// their name; a crash (non-zero exit, or a signal we did not send) is restarted after a backoff
// that doubles per crash and resets once a child has run `stable` long; stop() sends SIGTERM to
// all, waits, and SIGKILLs what is still there. Each change of a child is one status line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DeploySpec, ProcessSpec } from './spec.js';

export type ChildStateName = 'running' | 'backoff' | 'done' | 'stopped';

export interface ChildStatus {
  name: string;
  state: ChildStateName;
  pid: number | undefined;
  restarts: number;
  /** How the last run ended (`code 2`, `SIGKILL`), if one has. */
  lastExit: string | undefined;
  /** When the next start is due (backoff). */
  nextInMs?: number;
}

export interface SupervisorOptions {
  /** The command that runs marketfeed: [node, dist/cli/main.js]. */
  command: string[];
  onStatus(s: ChildStatus): void;
  onLine(name: string, line: string): void;
  env?: NodeJS.ProcessEnv;
}

class Child {
  proc: ChildProcess | undefined;
  restarts = 0;
  crashes = 0;
  lastExit: string | undefined;
  state: ChildStateName = 'stopped';
  startedAt = 0;
  timer: NodeJS.Timeout | undefined;
  exited: Promise<void> = Promise.resolve();
  constructor(readonly spec: ProcessSpec) {}
}

export class Supervisor {
  private readonly children: Child[];
  private stopping = false;

  constructor(private readonly spec: DeploySpec, private readonly opts: SupervisorOptions) {
    this.children = spec.processes.map((p) => new Child(p));
  }

  start(): void {
    for (const c of this.children) this.run(c);
  }

  status(): ChildStatus[] {
    return this.children.map((c) => this.statusOf(c));
  }

  /** SIGTERM to every child; SIGKILL after `timeoutMs` to those still running. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const c of this.children) {
      clearTimeout(c.timer);
      if (c.state === 'backoff') this.set(c, 'stopped');
      c.proc?.kill('SIGTERM');
    }
    const all = Promise.all(this.children.map((c) => c.exited));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    if ((await Promise.race([all, late])) === 'late') {
      for (const c of this.children) c.proc?.kill('SIGKILL');
      await all;
    }
    clearTimeout(timer);
  }

  private run(c: Child): void {
    const [cmd, ...pre] = this.opts.command;
    const proc = spawn(cmd, [...pre, ...c.spec.args], { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env ?? process.env });
    c.proc = proc;
    c.startedAt = Date.now();
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.opts.onLine(c.spec.name, line));
    }
    c.exited = new Promise<void>((resolve) => {
      proc.on('error', (err) => {
        // spawn itself failed (the node binary vanished): treated as a crash
        this.opts.onLine(c.spec.name, `cannot start: ${err.message}`);
      });
      proc.on('close', (code, signal) => {
        c.proc = undefined;
        c.lastExit = signal !== null ? signal : `code ${code}`;
        resolve();
        this.exited(c, code, signal);
      });
    });
    this.set(c, 'running');
  }

  private exited(c: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) {
      this.set(c, 'stopped');
      return;
    }
    if (code === 0 && signal === null) {
      this.set(c, 'done');
      return;
    }
    if (Date.now() - c.startedAt >= this.spec.restart.stableMs) c.crashes = 0;
    const delay = Math.min(this.spec.restart.maxBackoffMs, this.spec.restart.backoffMs * 2 ** c.crashes);
    c.crashes++;
    c.timer = setTimeout(() => {
      c.timer = undefined;
      if (this.stopping) return;
      c.restarts++;
      this.run(c);
    }, delay);
    this.set(c, 'backoff', delay);
  }

  private set(c: Child, state: ChildStateName, nextInMs?: number): void {
    c.state = state;
    this.opts.onStatus(this.statusOf(c, nextInMs));
  }

  private statusOf(c: Child, nextInMs?: number): ChildStatus {
    return { name: c.spec.name, state: c.state, pid: c.proc?.pid, restarts: c.restarts, lastExit: c.lastExit, ...(nextInMs === undefined ? {} : { nextInMs }) };
  }
}

/** `up: rec-binance running pid=123 restarts=0` / `up: sink backoff restarts=2 exit=code 1 next=4s`. */
export function statusLine(s: ChildStatus): string {
  let line = `up: ${s.name} ${s.state}`;
  if (s.pid !== undefined) line += ` pid=${s.pid}`;
  line += ` restarts=${s.restarts}`;
  if (s.lastExit !== undefined) line += ` exit=${s.lastExit.replace(' ', '')}`;
  if (s.nextInMs !== undefined) line += ` next=${(s.nextInMs / 1000).toFixed(s.nextInMs < 10_000 ? 1 : 0)}s`;
  return line;
}
