// Acceptance of the dashboard (issue 8, "Serve it live") in a real browser: Debian's chromium,
// driven by playwright-core, against `record --sim --serve` run as a user runs it. The page loads
// without a console error; both streams show SYNCED; the ladder equals GET /snapshot at the same
// updateId; prices move; the simulator's disconnect shows in the timeline and the stream is
// SYNCED again; another symbol can be chosen; and the page reconnects by itself when the server
// restarts. Screenshots go to test-results/.
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from './cli.js';
import { until } from './wait.js';

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const VENUE_SYMBOL: Record<string, string> = { 'BTC/USDT': 'BTCUSDT', 'ETH/USDT': 'ETHUSDT' };
/** The server runs with --serve-token: the page, opened with ?token=, must pass it on to every request and socket. */
const TOKEN = `dash-${process.pid}-${Date.now()}`;

function findChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH ?? ''];
  try {
    candidates.push(execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim());
  } catch {
    // not on the PATH: try the usual place below
  }
  candidates.push('/usr/bin/chromium');
  const found = candidates.find((p) => p !== '' && existsSync(p));
  if (found === undefined) {
    throw new Error('chromium is not installed: the dashboard browser test needs Debian\'s chromium (apt-get install chromium; .ci/run installs it), or set CHROMIUM_PATH');
  }
  return found;
}

// The page's globals, for the callbacks run in the browser by page.evaluate / waitForFunction
// (the tsconfig has no DOM lib, on purpose: nothing in src/ may use it).
interface El {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  children: ArrayLike<El>;
  querySelector(selector: string): El | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
};

interface Server { child: ChildProcess; url: string; port: number; exited: Promise<unknown> }

function recordArgs(dataDir: string, servePort: number): string[] {
  return [
    'record', '--sim', '--symbols', SYMBOLS.join(','), '--serve', '--serve-port', String(servePort), '--metrics-port', '0',
    '--data-dir', dataDir, '--no-status', '--log-level', 'warn', '--serve-token', TOKEN,
    // a 500 ms diff cadence keeps the book still long enough to compare page and REST
    '--simulator-diff-interval-ms', '500', '--simulator-faults', 'disconnect=6s',
  ];
}

/** Starts the CLI and waits for its first stdout line: `marketfeed: serving http://127.0.0.1:<port>/ …`. */
async function startServer(dataDir: string, servePort: number): Promise<Server> {
  const { child, done } = startCli(recordArgs(dataDir, servePort));
  let out = '';
  let ended = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = done.then((r) => { ended = true; return r; });
  const url = await until(() => {
    if (ended) throw new Error(`record --serve exited before serving:\n${out}`);
    return /^marketfeed: serving (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out)?.[1];
  }, 30_000).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    const r = await exited;
    throw new Error(`${String(e)}\nstdout/stderr of record --serve: ${JSON.stringify(r)}`);
  });
  return { child, url, port: Number(new URL(url).port), exited };
}

async function stopServer(s: Server | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(t);
}

interface Snapshot { state: string; updateId: number; bids: [string, string][]; asks: [string, string][] }

async function snapshot(base: string, symbol: string): Promise<{ status: number; body: Snapshot }> {
  const res = await fetch(`${base}snapshot?exchange=binance&symbol=${VENUE_SYMBOL[symbol]}&depth=10`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Snapshot };
}

/** What the page shows, read in one synchronous step (so it belongs to one updateId). */
interface PageBook { symbol: string; state: string; updateId: string; bestBid: string; bestAsk: string; bids: [string, string][]; asks: [string, string][] }

function readBook(page: Page): Promise<PageBook> {
  return page.evaluate(() => {
    const book = document.getElementById('book')!;
    const rows = (id: string) => [...document.querySelectorAll(`#${id} tr`)]
      .map((tr) => [tr.children[0].textContent ?? '', tr.children[1].textContent ?? ''] as [string, string])
      .filter((r) => r[0] !== '');
    return {
      symbol: book.dataset.symbol ?? '',
      state: book.dataset.state ?? '',
      updateId: book.dataset.updateId ?? '',
      bestBid: document.getElementById('best-bid')!.dataset.price ?? '',
      bestAsk: document.getElementById('best-ask')!.dataset.price ?? '',
      bids: rows('ladder-bids'),
      asks: rows('ladder-asks').reverse(), // asks are shown above bids: best ask at the bottom
    };
  });
}

/** Polls until the page's ladder shows the same updateId as GET /snapshot, then compares the top 10. */
async function compareWithSnapshot(page: Page, base: string, symbol: string): Promise<number> {
  const end = Date.now() + 20_000;
  for (;;) {
    const before = await readBook(page);
    const snap = await snapshot(base, symbol);
    const after = await readBook(page);
    if (snap.status === 200) {
      const shown = [before, after].find((b) => b.updateId === String(snap.body.updateId));
      if (shown) {
        expect(shown.symbol).toBe(symbol);
        expect(shown.state).toBe('SYNCED');
        expect(shown.bestBid).toBe(snap.body.bids[0][0]);
        expect(shown.bestAsk).toBe(snap.body.asks[0][0]);
        expect(shown.bids.slice(0, 10)).toEqual(snap.body.bids);
        expect(shown.asks.slice(0, 10)).toEqual(snap.body.asks);
        return snap.body.updateId;
      }
    }
    if (Date.now() > end) throw new Error(`${symbol}: the page never showed GET /snapshot's updateId (last: page ${after.updateId}, snapshot ${snap.status} ${JSON.stringify(snap.body).slice(0, 200)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard in a real browser against record --sim --serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-dashboard-'));
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  let serverUp = true;
  const networkErrorsWhileDown: string[] = [];

  /** Why the browser or the server did not start: every test fails with it (a missing chromium is never a skip). */
  let setupError: unknown;

  beforeAll(async () => {
    try {
      const executablePath = findChromium();
      mkdirSync(RESULTS, { recursive: true });
      server = await startServer(dataDir, 0);
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        (serverUp ? consoleErrors : networkErrorsWhileDown).push(`console: ${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      await page.goto(`${server.url}?token=${TOKEN}`);
    } catch (e) {
      setupError = e;
    }
  }, 60_000);

  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is behind the token (so what the page loads below, it loaded with ?token=)', async () => {
    expect((await fetch(server!.url)).status).toBe(401);
    expect((await fetch(`${server!.url}assets/app.js`)).status).toBe(401);
  });

  it('shows both streams SYNCED in the table', async () => {
    for (const sym of SYMBOLS) {
      await page.waitForSelector(`#streams tbody tr[data-symbol="${sym}"][data-state="SYNCED"]`, { timeout: 20_000 });
    }
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });
  });

  it('shows the first symbol\'s ladder, equal to GET /snapshot at the same updateId', async () => {
    expect(await page.inputValue('#symbol')).toBe('binance|BTCUSDT');
    await page.waitForSelector('#book[data-state="SYNCED"]:not([data-update-id=""])', { timeout: 20_000 });
    const a = await compareWithSnapshot(page, server!.url, 'BTC/USDT');
    const b = await compareWithSnapshot(page, server!.url, 'BTC/USDT');
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('shows prices that change over time, a trade tape and candles', async () => {
    const seen = new Set<string>();
    const ids = new Set<string>();
    const end = Date.now() + 20_000;
    while ((seen.size < 2 || ids.size < 3) && Date.now() < end) {
      const b = await readBook(page);
      if (b.updateId !== '') { seen.add(`${b.bestBid}/${b.bestAsk}`); ids.add(b.updateId); }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ids.size, 'updateIds seen').toBeGreaterThanOrEqual(3);
    expect(seen.size, 'distinct best bid/ask seen').toBeGreaterThanOrEqual(2);
    await page.waitForSelector('#tape tbody tr[data-trade-id]', { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.getElementById('candles')!.dataset.bars) > 0, undefined, { timeout: 10_000 });
    await page.screenshot({ path: join(RESULTS, 'serve-dashboard.png'), fullPage: true });
  });

  it('shows the simulator\'s disconnect in the timeline, then the stream SYNCED again', async () => {
    await page.waitForSelector('#timeline li[data-kind="disconnect"]', { timeout: 30_000 });
    // a later `synced` entry: the book recovered after the disconnect (the list is newest first)
    await page.waitForFunction(() => {
      const kinds = [...document.querySelectorAll('#timeline li')].map((li) => li.dataset.kind);
      const synced = kinds.indexOf('synced');
      return synced >= 0 && synced < kinds.indexOf('disconnect') && kinds.includes('reconnect');
    }, undefined, { timeout: 20_000 });
    await page.waitForFunction(() => {
      const tr = document.querySelector('#streams tbody tr[data-symbol="BTC/USDT"]');
      return tr?.dataset.state === 'SYNCED' && Number(tr.querySelector('[data-field="reconnects"]')?.textContent) > 0;
    }, undefined, { timeout: 20_000 });
    await compareWithSnapshot(page, server!.url, 'BTC/USDT');
    await page.screenshot({ path: join(RESULTS, 'serve-dashboard-after-disconnect.png'), fullPage: true });
  });

  it('switches symbol with the select and by clicking a row of the table', async () => {
    await page.selectOption('#symbol', 'binance|ETHUSDT');
    await page.waitForSelector('#book[data-symbol="ETH/USDT"][data-state="SYNCED"]:not([data-update-id=""])', { timeout: 20_000 });
    await compareWithSnapshot(page, server!.url, 'ETH/USDT');
    await page.waitForFunction(() => document.querySelector('#streams tbody tr.selected')?.getAttribute('data-symbol') === 'ETH/USDT');
    await page.click('#streams tbody tr[data-symbol="BTC/USDT"]');
    await page.waitForSelector('#book[data-symbol="BTC/USDT"][data-state="SYNCED"]:not([data-update-id=""])', { timeout: 20_000 });
    expect(await page.inputValue('#symbol')).toBe('binance|BTCUSDT');
    await compareWithSnapshot(page, server!.url, 'BTC/USDT');
  });

  it('logged no console error and threw no page error', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('shows "reconnecting" while the server is down and recovers by itself when it is back', async () => {
    const port = server!.port;
    serverUp = false;
    await stopServer(server);
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 10_000 });
    expect(await page.textContent('#conn')).toMatch(/disconnected/);
    await page.screenshot({ path: join(RESULTS, 'serve-dashboard-disconnected.png'), fullPage: true });
    server = await startServer(dataDir, port);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });
    serverUp = true;
    await page.waitForSelector('#streams tbody tr[data-symbol="BTC/USDT"][data-state="SYNCED"]', { timeout: 20_000 });
    await compareWithSnapshot(page, server.url, 'BTC/USDT');
    // While the server was away only failed requests and sockets may have been logged.
    const unexpected = networkErrorsWhileDown.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|WebSocket connection to .* failed|Failed to load resource/.test(e));
    expect(unexpected).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
