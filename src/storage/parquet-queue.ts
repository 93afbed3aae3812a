// Parquet copies of finished CSV parts, made one at a time in the background through one DuckDB
// (loaded on the first conversion and closed when the queue runs dry). A failure is reported and
// the CSV part stays the data of record: `marketfeed query` reads a stem's CSV when it has no
// Parquet copy.
import { MarketfeedError } from '../core/errors.js';
import type { DuckDb } from './parquet/duckdb.js';
import type { OutputKind } from './parquet/columns.js';

export class ParquetQueue {
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private db: DuckDb | undefined = undefined;
  /** Conversions done and failed (for stats and tests). */
  converted = 0;
  failed = 0;

  constructor(private readonly onError: (err: MarketfeedError) => void) {}

  /** Queues `<stem>.csv.gz` → `<stem>.parquet`. */
  add(csvGzPath: string, kind: OutputKind): void {
    this.waiting++;
    this.chain = this.chain.then(() => this.convert(csvGzPath, kind));
  }

  /** Resolves when every queued conversion has run. */
  async drain(): Promise<void> {
    while (this.waiting > 0) await this.chain;
  }

  private async convert(path: string, kind: OutputKind): Promise<void> {
    try {
      const { writeParquet } = await import('./parquet/convert.js');
      if (this.db === undefined) {
        const { openDuckDb } = await import('./parquet/duckdb.js');
        this.db = await openDuckDb();
      }
      await writeParquet(path, kind, { db: this.db });
      this.converted++;
    } catch (cause) {
      this.failed++;
      this.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${path}: Parquet copy not written: ${(cause as Error).message}`, { path, cause }));
    } finally {
      this.waiting--;
      if (this.waiting === 0 && this.db !== undefined) {
        this.db.close();
        this.db = undefined;
      }
    }
  }
}
