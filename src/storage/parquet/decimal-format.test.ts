import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFormat, decimalType, exactSql, shapesSql, textSql, type DecimalFormat, type DecimalShape } from './decimal-format.js';
import { openDuckDb, type DuckDb } from './duckdb.js';
import { sqlString } from './columns.js';

let db: DuckDb;
beforeAll(async () => {
  db = await openDuckDb();
});
afterAll(() => db.close());

/** The shapes of `texts` as the stats pass sees them (one group). */
async function shapes(texts: string[]): Promise<DecimalShape[]> {
  const values = texts.map((t) => `('p', ${sqlString(t)})`).join(', ');
  const read = await db.connection.runAndReadAll(shapesSql(`SELECT DISTINCT * FROM (VALUES ${values}) t(g, x)`));
  return (read.getRowObjectsJS() as Record<string, unknown>[]).map((r) => ({
    integer: Number(r.integer), fraction: Number(r.fraction), significant: Number(r.significant),
    untrimmed: r.untrimmed === true, values: Number(r.values),
  }));
}

/** [text rebuilt from the DECIMAL, exact?] for each text under format `f`. */
async function roundTrip(texts: string[], f: DecimalFormat): Promise<[string | null, boolean][]> {
  const values = texts.map((t, i) => `(${i}, ${sqlString(t)})`).join(', ');
  const typed = `TRY_CAST(x AS ${decimalType(f)})`;
  const read = await db.connection.runAndReadAll(
    `SELECT ${textSql(typed, f)}, COALESCE(${exactSql(typed, 'x', f)}, false) FROM (VALUES ${values}) t(i, x) ORDER BY i`);
  return read.getRowsJson() as [string | null, boolean][];
}

describe('chooseFormat', () => {
  it('keeps a padded venue padded, at the digits its numbers need', async () => {
    expect(chooseFormat(await shapes(['60000.07000000', '59999.10000000', '0.00001000', '1.00000000']))).toEqual({ scale: 5, width: 18, text: 8 });
    expect(chooseFormat(await shapes(['0.10000', '2.50000']))).toEqual({ scale: 1, width: 9, text: 5 });
  });

  it('recognises trimmed text, integers included', async () => {
    expect(chooseFormat(await shapes(['0.1', '2.25', '100', '3.125']))).toEqual({ scale: 3, width: 9, text: 'trim' });
    expect(chooseFormat(await shapes(['1', '20', '300']))).toEqual({ scale: 0, width: 9, text: 0 });
  });

  it('lets an odd value go verbatim rather than cost the others their precision', async () => {
    const f = chooseFormat(await shapes(['43000.12345678', '43000.5', '11342792883262581.2', '1.5']));
    expect(f).toEqual({ scale: 8, width: 18, text: 'trim' });
    expect((await roundTrip(['43000.12345678', '11342792883262581.2'], f)).map((r) => r[1])).toEqual([true, false]);
  });

  it('has a format for a column with no values', () => {
    expect(chooseFormat([])).toEqual({ scale: 0, width: 9, text: 0 });
  });
});

describe('textSql', () => {
  it.each<[DecimalFormat, string[]]>([
    [{ scale: 2, width: 9, text: 8 }, ['60000.07000000', '0.00000000', '-1.50000000']],
    [{ scale: 0, width: 9, text: 2 }, ['3.00', '0.00']],
    [{ scale: 3, width: 9, text: 3 }, ['1.250', '0.001']],
    [{ scale: 3, width: 9, text: 1 }, ['1.2', '7.0']],
    [{ scale: 3, width: 9, text: 0 }, ['12', '0']],
    [{ scale: 4, width: 18, text: 'trim' }, ['0.1', '100', '2.0001', '0']],
    [{ scale: 0, width: 9, text: 'trim' }, ['100', '7']],
  ])('rebuilds the venue text of format %j', async (f, texts) => {
    expect(await roundTrip(texts, f)).toEqual(texts.map((t) => [t, true]));
  });

  it('marks text it cannot rebuild as inexact', async () => {
    const f: DecimalFormat = { scale: 2, width: 9, text: 2 };
    expect(await roundTrip(['1.5', '+1.50', '-0.00', '1.505', '1e2', ' 1.50', 'NaN', '99999999.99'], f)).toEqual([
      ['1.50', false], ['1.50', false], ['0.00', false], ['1.51', false], ['100.00', false], ['1.50', false], [null, false], [null, false],
    ]);
  });
});
