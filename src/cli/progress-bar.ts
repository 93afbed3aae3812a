// A one-line progress bar on stderr, rewritten in place twice a second (replay, export):
// `replay [####....] 42.1%  1,204,000 events  310,000 events/s  ETA 12s  <note>`.
export interface ProgressSource {
  bytesRead: number;
  bytesTotal: number;
}

export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  /**
   * `count()` is the figure shown with its `unit` (and per second); `note()` goes at the end.
   * Nothing is drawn unless `enabled` (a TTY, and the user did not say --no-progress).
   */
  constructor(
    private readonly label: string,
    private readonly p: ProgressSource,
    private readonly unit: string,
    private readonly count: () => number,
    private readonly enabled: boolean,
    private readonly note: () => string = () => '',
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.draw(), 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    process.stderr.write('\n');
  }

  private draw(): void {
    const s = (performance.now() - this.started) / 1000;
    const frac = this.p.bytesTotal > 0 ? Math.min(1, this.p.bytesRead / this.p.bytesTotal) : 0;
    const eta = frac > 0 ? (s / frac) * (1 - frac) : NaN;
    const width = 24;
    const done = Math.round(frac * width);
    const n = this.count();
    const note = this.note();
    const line = `${this.label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(frac * 100).toFixed(1)}%  ` +
      `${fmt(n)} ${this.unit}  ${fmt(Math.round(n / Math.max(s, 0.001)))} ${this.unit}/s  ` +
      `ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)}s` : '?'}${note ? `  ${note}` : ''}`;
    process.stderr.write(`\r${line}\x1b[K`);
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');
