// The unified symbol (`BTC/USDT`, `BTC/USDT:USDT`) of a symbol directory, whose name is the
// symbol with `/ - :` stripped (symbolFs) and so cannot simply be read back. In order of trust:
// 1. `<dataDir>/<venue>/<SYMBOL_FS>/symbol.json` — {"symbol":"BTC/USDT"}, when a writer left one;
// 2. the `symbols=` list of a run_start row in the directory's events ledger (the recorder
//    writes `venue=… symbols=BTC/USDT ETH/USDT …`): the one whose symbolFs is the dir name;
// 3. a guess from well-known quote assets (BTCUSDT → BTC/USDT, BTCUSDTUSDT → BTC/USDT:USDT);
// 4. the directory name itself.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { guessUnifiedSymbol, symbolFs } from '../../core/symbols.js';

export { guessUnifiedSymbol };
import { readCsv } from '../read.js';

export const SYMBOL_META_FILE = 'symbol.json';

/** The symbol named by `symbols=` in a run_start detail whose symbolFs is `fsName`. */
export function symbolFromRunStart(detail: string, fsName: string): string | undefined {
  const at = detail.indexOf('symbols=');
  if (at < 0) return undefined;
  const tokens = detail.slice(at + 'symbols='.length).split(/[\s,]+/);
  for (const token of tokens) {
    if (token.includes('=')) break; // the next key=value pair
    if (token.length === 0) continue;
    try {
      if (symbolFs(token) === fsName) return token;
    } catch {
      // not a symbol
    }
  }
  return undefined;
}

async function fromMetaFile(symbolDir: string): Promise<string | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(symbolDir, SYMBOL_META_FILE), 'utf8')) as { symbol?: unknown };
    return typeof meta.symbol === 'string' && meta.symbol.length > 0 ? meta.symbol : undefined;
  } catch {
    return undefined;
  }
}

/** Ledgers to look at before guessing: every run writes run_start, so a few days suffice. */
const LEDGER_DAYS_TRIED = 3;

async function fromLedger(symbolDir: string, fsName: string, dayDirs: readonly string[]): Promise<string | undefined> {
  for (const day of dayDirs.slice(-LEDGER_DAYS_TRIED).reverse()) {
    let names: string[];
    try {
      names = await readdir(join(symbolDir, day));
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('events_') || !name.endsWith('.csv.gz')) continue;
      try {
        const csv = await readCsv(join(symbolDir, day, name));
        const kind = csv.header.indexOf('kind');
        const detail = csv.header.indexOf('detail');
        if (kind < 0 || detail < 0) continue;
        for (const row of csv.rows) {
          if (row[kind] !== 'run_start') continue;
          const symbol = symbolFromRunStart(row[detail] ?? '', fsName);
          if (symbol !== undefined) return symbol;
        }
      } catch {
        // unreadable ledger: try the next
      }
    }
  }
  return undefined;
}

/** Resolves one symbol directory (see the order above). `dayDirs` are its YYYYMMDD children. */
export async function resolveUnifiedSymbol(symbolDir: string, fsName: string, dayDirs: readonly string[]): Promise<string> {
  return (await fromMetaFile(symbolDir)) ??
    (await fromLedger(symbolDir, fsName, dayDirs)) ??
    guessUnifiedSymbol(fsName) ??
    fsName;
}
