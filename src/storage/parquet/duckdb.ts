// DuckDB, loaded only when a query or a Parquet conversion runs: the native module costs tens of
// milliseconds and ~40 MB to load, which `record` should not pay at start-up.
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { MarketfeedError } from '../../core/errors.js';

export interface DuckDb {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/** An in-memory DuckDB with one connection. */
export async function openDuckDb(): Promise<DuckDb> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * DuckDB's error as one line a user can act on: `Parser Error: syntax error at or near "selec"`.
 * Its messages continue with a `LINE 1: …` excerpt and a caret line, which are dropped; a
 * "Did you mean" hint is kept.
 */
export function duckDbMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const kept: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('LINE ')) break;
    if (line.length > 0) kept.push(line);
  }
  return kept.join(' ') || 'DuckDB failed without a message';
}

/** A failed statement is bad input (exit 2), carrying DuckDB's one-line reason. */
export function sqlError(e: unknown, context: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_USAGE', `${context}: ${duckDbMessage(e)}`, { cause: e });
}
