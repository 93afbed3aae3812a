// marketfeed venues: what can be recorded. The native venues (the registry, read as it stands:
// every venue folder added shows up) with what each records and how its books are verified, and
// the ccxt fallback: every ccxt pro id `--venue ccxt:<id>` takes, and the few whose books ccxt
// itself verifies (venues/ccxt/books.ts). Loads ccxt (≈0.4 s), as only this and record ccxt:… do.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { CHECKSUM_ONLY_RULE } from '../book/types.js';
import { VENUES, type Kind, type VenueSpec } from '../venues/index.js';
import { CCXT_PREFIX, loadCcxt, proIds, verifiedIds } from '../venues/ccxt/index.js';
import { EXIT_OK, reportFatal } from './exit.js';

export interface NativeVenueInfo {
  id: string;
  name: string;
  kinds: Kind[];
  /** How a book is proven: the venue's sequence ids, its checksum, both; none without books. */
  bookVerified: 'sequence' | 'checksum' | 'sequence+checksum' | 'none';
  /** Where a book's snapshot comes from. */
  bookSnapshot: 'rest' | 'ws' | 'none';
}

export interface VenuesListing {
  native: NativeVenueInfo[];
  ccxt: { prefix: string; version: string; ids: string[]; verifiedBooks: { id: string; check: string }[] };
}

/** How a spec's book rule proves a book: a sequence rule unless it is the checksum-only one. */
export function bookVerification(spec: VenueSpec): NativeVenueInfo['bookVerified'] {
  if (!spec.kinds.book) return 'none';
  const sequence = spec.bookRule.next !== CHECKSUM_ONLY_RULE.next;
  const checksum = spec.bookRule.checksum !== undefined;
  return sequence && checksum ? 'sequence+checksum' : checksum ? 'checksum' : sequence ? 'sequence' : 'none';
}

export async function venuesListing(): Promise<VenuesListing> {
  const native = Object.entries(VENUES as Record<string, VenueSpec>).map(([id, spec]) => ({
    id, name: spec.name,
    kinds: (Object.keys(spec.kinds) as Kind[]).filter((k) => spec.kinds[k]),
    bookVerified: bookVerification(spec),
    bookSnapshot: spec.kinds.book ? spec.bookSnapshot ?? 'rest' : 'none' as const,
  }));
  const ccxt = await loadCcxt();
  const ids = proIds(ccxt);
  return { native, ccxt: { prefix: CCXT_PREFIX, version: ccxtVersion(ccxt.version), ids, verifiedBooks: verifiedIds(ccxt, ids) } };
}

/** The installed package's version (ccxt's ESM build reports the previous one: research/ccxt.md pitfall 16). */
function ccxtVersion(fallback: string): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('ccxt'));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'ccxt' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // not the package root yet
      }
    }
  } catch {
    // not resolvable as CommonJS: keep what the module says
  }
  return fallback;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

export function formatListing(l: VenuesListing): string {
  const rows = [['id', 'name', 'records', 'book verified by', 'snapshot']];
  for (const v of l.native) rows.push([v.id, v.name, v.kinds.join(','), v.bookVerified, v.bookSnapshot]);
  const verified = l.ccxt.verifiedBooks;
  return [
    'Native venues (--venue <id>): every book row is verified by marketfeed itself.',
    table(rows),
    '',
    `Any other exchange (--venue ${l.ccxt.prefix}<id>), through ccxt ${l.ccxt.version}: trades, tickers and quotes; books only`,
    `where ccxt checks them (${verified.length} ids), otherwise with --allow-unverified-books, marked unverified.`,
    ...verified.map((v) => `  books verified by ccxt: ${v.id.padEnd(14)} ${v.check}`),
    `${l.ccxt.ids.length} ccxt ids: ${l.ccxt.ids.join(' ')}`,
  ].join('\n') + '\n';
}

export const venuesCommand = new Command('venues')
  .description('List the native venues (what each records, how its books are verified) and the ccxt ids --venue ccxt:<id> takes')
  .option('--json', 'print the listing as JSON')
  .action(async (opts: { json?: boolean }) => {
    try {
      const l = await venuesListing();
      process.stdout.write(opts.json ? JSON.stringify(l, null, 2) + '\n' : formatListing(l));
      process.exitCode = EXIT_OK;
    } catch (e) {
      process.exitCode = reportFatal(e);
    }
  });
