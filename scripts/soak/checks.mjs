// The soak's checks of one finished recording (scripts/soak.mjs and test/soak.test.ts both run
// them, through run.mjs): each takes the data dir and what the simulator dumped (its ground truth
// and injected faults, `marketfeed sim --truth-out`) and returns figures plus `ok`.
//   book rows     every book row equals the simulator's truth at its update key
//   gaps          every injected gap / corruption the recorder was synced across is in the ledger
//                 as a gap; none is bridged silently
//   trades        no trade id is skipped while the recorder's line stayed up (ids are consecutive
//                 per symbol in the simulator), none is filed twice; those the venue sent while the
//                 line was down and no backfill recovered are counted apart
//   files         every .gz file is whole gzip members, no `.open` part is left behind
//   validate      `marketfeed validate` of every day finds nothing but the injected faults
//   replay        a replay of a sample day writes the same book and trades bytes
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync, createGunzip } from 'node:zlib';
import { dayParts } from '../../dist/replay/raw.js';
import { walkMembers } from '../../dist/storage/gzip-members.js';
import { walk } from '../../bench/replay.bench.mjs';

/** Column of the truth key in a book row: update_id, or the exchange time for timestamp-keyed venues. */
const KEY_COLUMN = { binance: 2, 'binance-futures': 2, okx: 2, kraken: 0 };
/** Ledger kinds after which a book is not trusted to continue (a missed update is then no bridge). */
const BREAKS = new Set(['gap', 'resync', 'disconnect', 'connect']);

export const symbolFsOf = (symbol) => symbol.replace(/[/:\- ]/g, '');

/** The data dir's folders of one symbol's days, oldest first. */
export function dayDirs(dataDir, label, fs) {
  const dir = join(dataDir, label, fs);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => /^\d{8}$/.test(d)).sort().map((d) => join(dir, d));
}

/** Decompressed text of every part of one output, days and parts in order. */
export function kindText(dataDir, label, fs, kind, days = dayDirs(dataDir, label, fs)) {
  return days.flatMap((d) => dayParts(d, kind, fs, d.slice(-8))).map((f) => gunzipSync(readFileSync(f)).toString('utf8')).join('');
}

/** CSV rows (header dropped) of every part; the soak's files hold no quoted commas but the ledger. */
function rowsOf(dataDir, label, fs, kind) {
  const rows = [];
  for (const d of dayDirs(dataDir, label, fs)) {
    for (const f of dayParts(d, kind, fs, d.slice(-8))) {
      const lines = gunzipSync(readFileSync(f)).toString('utf8').split('\n');
      for (let i = 1; i < lines.length; i++) if (lines[i] !== '') rows.push(lines[i]);
    }
  }
  return rows;
}

/** Ledger rows: localTs and kind (the detail may hold quoted commas; it is not needed here). */
function ledgerOf(dataDir, label, fs) {
  return rowsOf(dataDir, label, fs, 'events').map((l) => {
    const [, , localTs, kind, state] = l.split(',', 5);
    // the detail after the fifth comma, without the CSV quote it may open with
    let at = -1;
    for (let i = 0; i < 5 && (at = l.indexOf(',', at + 1)) >= 0; i++);
    const detail = at < 0 ? '' : l.slice(at + 1).replace(/^"/, '');
    return { localTs: Number(localTs), kind, state, detail };
  });
}

/** A sorted list of ledger break times; true when one falls within [from, to]. */
function breakWithin(times, from, to) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length && times[lo] <= to;
}

/**
 * Reads a truth dump (gzip NDJSON, truth-dump.ts): its header, and for each symbol in turn
 * `onSymbol(venueSymbol, Map<key, expected book row text after its first three columns>)`.
 */
export async function readTruthDump(path, depth, onSymbol) {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let header;
  let current;
  let truth = new Map();
  const level = (side, i) => (side[i] ? `${side[i][0]},${side[i][1]}` : ',');
  for await (const line of lines) {
    if (line === '') continue;
    const o = JSON.parse(line);
    if (header === undefined) {
      header = o;
      continue;
    }
    if (o.s !== current) {
      if (current !== undefined) await onSymbol(current, truth);
      current = o.s;
      truth = new Map();
    }
    const cells = [];
    for (let i = 0; i < depth; i++) cells.push(level(o.b, i));
    for (let i = 0; i < depth; i++) cells.push(level(o.a, i));
    truth.set(o.k, cells.join(','));
  }
  if (current !== undefined) await onSymbol(current, truth);
  if (header === undefined) throw new Error(`${path}: empty truth dump`);
  return header;
}

/**
 * Book rows against truth, injected book faults against the ledger, and trade ids, for one venue.
 * `symbols`: [venueSymbol as the simulator names it, SYMBOL_FS] pairs.
 */
export async function checkVenue({ dataDir, label, truthPath, depth, symbols }) {
  const keyCol = KEY_COLUMN[label] ?? 2;
  const fsOf = new Map(symbols);
  const book = { rows: 0, checked: 0, noTruth: 0, mismatches: 0, examples: [] };
  const perSymbol = new Map();
  const header = await readTruthDump(truthPath, depth, (venueSymbol, truth) => {
    const fs = fsOf.get(venueSymbol);
    if (fs === undefined) return;
    const rows = rowsOf(dataDir, label, fs, 'book').map((line) => {
      const a = line.indexOf(',');
      const b = line.indexOf(',', a + 1);
      const c = line.indexOf(',', b + 1);
      const cols = [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c)];
      return { key: Number(cols[keyCol]), localTs: Number(cols[1]), levels: line.slice(c + 1) };
    });
    // a venue that sends one update as several frames shows its in-between books too: the truth is the book after the whole update
    const lastOfKey = new Map();
    for (const r of rows) lastOfKey.set(r.key, r);
    book.rows += rows.length;
    for (const [key, r] of lastOfKey) {
      const want = truth.get(key);
      if (want === undefined) {
        book.noTruth++;
        continue;
      }
      book.checked++;
      if (want !== r.levels) {
        book.mismatches++;
        if (book.examples.length < 3) book.examples.push(`${label} ${fs} at ${key}: recorded ${r.levels.slice(0, 80)}… truth ${want.slice(0, 80)}…`);
      }
    }
    perSymbol.set(venueSymbol, rows);
  });

  // --- injected gaps and corruptions: found, unseen (the book was not synced across it) or missed
  const gaps = { injected: 0, found: 0, unseen: 0, missed: 0, ledgerGaps: 0, examples: [] };
  const trades = { recorded: 0, missingWhileUp: 0, lostInOutages: 0, duplicates: 0, examples: [] };
  const faults = [
    ...header.gaps.map((g) => ({ sym: g.venueSymbol, from: g.skippedFrom, what: `gap ${g.skippedFrom}..${g.skippedTo}` })),
    ...header.corruptions.map((c) => ({ sym: c.venueSymbol, from: c.key, what: `corruption at ${c.key}` })),
  ];
  for (const [venueSymbol, fs] of symbols) {
    const ledger = ledgerOf(dataDir, label, fs);
    // book gaps only: trade ids a backfill could not fetch (a 429, the stop) are `trades:` gaps,
    // accounted for by the trades check below
    const gapTimes = ledger.filter((l) => l.kind === 'gap' && !l.detail.startsWith('trades:')).map((l) => l.localTs);
    const breakTimes = ledger.filter((l) => BREAKS.has(l.kind) || l.state === 'RESYNCING').map((l) => l.localTs);
    const downTimes = ledger.filter((l) => l.kind === 'disconnect' || l.kind === 'connect').map((l) => l.localTs);
    gaps.ledgerGaps += gapTimes.length;
    const rows = [...(perSymbol.get(venueSymbol) ?? [])].sort((x, y) => x.key - y.key || x.localTs - y.localTs);
    for (const f of faults.filter((x) => x.sym === venueSymbol)) {
      gaps.injected++;
      const at = firstAtOrAbove(rows, f.from);
      const before = rows[at - 1];
      const after = rows[at];
      if (before === undefined || after === undefined) gaps.unseen++;
      else if (breakWithin(gapTimes, before.localTs, after.localTs)) gaps.found++;
      else if (breakWithin(breakTimes, before.localTs, after.localTs)) gaps.unseen++;
      else {
        gaps.missed++;
        if (gaps.examples.length < 3) gaps.examples.push(`${label} ${fs}: ${f.what} bridged by rows ${before.key} → ${after.key} with no gap in the ledger`);
      }
    }

    // --- trades: the simulator's ids are consecutive per symbol; a backfill may file some late, so by id
    const list = rowsOf(dataDir, label, fs, 'trades').map((line) => {
      const c = line.split(',');
      return { id: Number(c[4]), ts: Number(c[0]), localTs: Number(c[5]) };
    }).sort((x, y) => x.id - y.id);
    trades.recorded += list.length;
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      if (b.id === a.id) {
        trades.duplicates++;
        continue;
      }
      const skipped = b.id - a.id - 1;
      if (skipped === 0) continue;
      // made between a's and b's exchange times; a line down then explains them
      if (breakWithin(downTimes, a.ts, Math.max(b.ts, b.localTs))) trades.lostInOutages += skipped;
      else {
        trades.missingWhileUp += skipped;
        if (trades.examples.length < 3) trades.examples.push(`${label} ${fs}: ids ${a.id + 1}..${b.id - 1} missing while connected`);
      }
    }
  }
  const injectedFaults = header.faults;
  return {
    label,
    injectedFaults,
    connFaults: header.connFaults ?? 0,
    book: { ...book, ok: book.mismatches === 0 && book.checked > 0 },
    // a gap in the ledger that no injected fault explains is a bug on one side
    gaps: { ...gaps, ok: gaps.missed === 0 && gaps.ledgerGaps <= gaps.injected },
    trades: { ...trades, ok: trades.missingWhileUp === 0 && trades.duplicates === 0 && trades.recorded > 0 },
  };
}

function firstAtOrAbove(rows, key) {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every .gz file is complete gzip members end to end; no `.open` part is left. */
export function checkFiles(dataDir) {
  const files = walk(dataDir);
  const bad = [];
  let gz = 0;
  for (const f of files) {
    if (f.endsWith('.open')) bad.push(`${f}: left open`);
    if (!f.endsWith('.gz')) continue;
    gz++;
    const buf = readFileSync(f);
    const w = walkMembers(buf);
    if (w.truncated || w.validBytes !== buf.length || w.members === 0) bad.push(`${f}: ${w.validBytes} of ${buf.length} bytes in whole members`);
  }
  return { files: files.length, gz, bad, ok: bad.length === 0 && gz > 0 };
}

/**
 * One `validate --format json` report held to the soak's standard: every recorded book and trade
 * row reproduced, every snapshot matched, every row well formed, no quote mismatch; and its gaps
 * and checksum mismatches no more than the ledger's (the injected faults, found again).
 */
export function validateProblems(report, ledgerGaps) {
  const problems = [];
  for (const [name, c] of [['book', report.book], ['trades', report.trades]]) {
    if (c && c.unverified + c.missing > 0) problems.push(`${name}: ${c.unverified} unverified, ${c.missing} missing rows`);
  }
  if (report.snapshots.unmatched > 0) problems.push(`${report.snapshots.unmatched} snapshots unmatched`);
  if (report.quoteMismatches > 0) problems.push(`${report.quoteMismatches} quote mismatches`);
  for (const f of report.files) if (f.rowsRejected > 0 || f.badHeader) problems.push(`${f.file}: ${f.rowsRejected} rows rejected${f.badHeader ? ', bad header' : ''}`);
  const found = report.gaps + report.checksumMismatches;
  if (found > ledgerGaps) problems.push(`${found} gaps found by the replay, ${ledgerGaps} in the ledger`);
  return problems;
}

/** Gap rows of one day's ledger. */
export function ledgerGapsOfDay(dayDir, fs) {
  let n = 0;
  for (const f of dayParts(dayDir, 'events', fs, dayDir.slice(-8))) {
    for (const line of gunzipSync(readFileSync(f)).toString('utf8').split('\n')) if (line.split(',', 5)[3] === 'gap') n++;
  }
  return n;
}
