// Property tests (fast-check) of every venue's REST book snapshot parser (spec.parseDepth), the
// body that seeds a 'rest' venue's book: real bodies from the fixtures, mutated (test/
// frame-mutations.ts), and arbitrary text and JSON. A body is either a snapshot whose levels are
// finite decimal texts, or refused with the MarketfeedError its contract names — which FeedCore
// reports as the reason the snapshot failed, so the book asks again — never another exception.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/fixtures.js';
import { mutate, mutationArb } from '../../test/frame-mutations.js';
import { isMarketfeedError } from '../core/errors.js';
import { VENUE_IDS, getVenue } from './index.js';

/** A fixed seed (fast-check prints it with any failure); FC_SEED=<n> to explore elsewhere. */
const SEED = Number(process.env.FC_SEED ?? 20261207);
const RUNS = Number(process.env.FC_RUNS ?? 100);

/** Every JSON text of the fixtures that could be a REST body: captured HTTP answers, vector texts. */
function candidateBodies(): string[] {
  const out: string[] = [];
  const cf = join(FIXTURES, 'cryptofeed');
  for (const f of readdirSync(cf).filter((n) => n.includes('.http.'))) {
    for (const line of readFileSync(join(cf, f), 'utf8').split('\n')) {
      const at = line.indexOf(': {');
      if (at > 0) out.push(line.slice(at + 2));
    }
  }
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      if (x.startsWith('{')) out.push(x);
    } else if (Array.isArray(x)) for (const v of x) walk(v);
    else if (typeof x === 'object' && x !== null) {
      // bodies stored as parsed JSON in the vectors (a `snapshot` object) are texts once stringified
      if ('bids' in x && 'asks' in x) out.push(JSON.stringify(x));
      for (const v of Object.values(x)) walk(v);
    }
  };
  const pv = join(FIXTURES, 'protocol-vectors');
  for (const f of readdirSync(pv).filter((n) => n.endsWith('.json'))) walk(JSON.parse(readFileSync(join(pv, f), 'utf8')));
  return out;
}

/**
 * Bodies of the venues whose REST books no fixture holds, in the shapes their docs show (the same
 * as each venue's spec.test.ts): Bitfinex P0 rows, Bitget, Kraken, OKX with seqId.
 */
const DOC_BODIES = [
  '[[0.0000029,1,31174.03814939],[1.5e-7,2,2000],[0.00000291,1,-53639.584337],[0.0000031,3,-12.5]]',
  '{"code":"00000","msg":"success","requestTime":1,"data":{"asks":[["34567.15","0.0131"],["34568","1.5"]],"bids":[["34567","0.2917"],["34566.5","2"]],"ts":"1698303884584"}}',
  '{"error":[],"result":{"XXBTZUSD":{"asks":[["45285.20000","0.001",1688671659],["45286.00000","1.250",1688671659]],"bids":[["45283.50000","0.100",1688671660],["45283.40000","2.000",1688671658]]}}}',
  '{"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"],["41007","1.5","0","3"]],"bids":[["41006.3","0.30178218","0","2"],["41006","0.5","0","1"]],"ts":"1629966436396","seqId":3235}]}',
];

const CANDIDATES = [...candidateBodies(), ...DOC_BODIES];
const WITH_REST_BOOKS = VENUE_IDS.filter((id) => getVenue(id).parseDepth !== undefined);

describe('REST book snapshots: a body parses to finite levels or is refused with a MarketfeedError', () => {
  it.each(WITH_REST_BOOKS)('%s', (id) => {
    const parse = getVenue(id).parseDepth!;
    const accepts = (text: string): boolean => {
      try {
        parse(text);
        return true;
      } catch {
        return false;
      }
    };
    const bodies = CANDIDATES.filter(accepts).slice(0, 20);
    expect(bodies.length, `a real ${id} book body to mutate`).toBeGreaterThan(0);
    const input = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.nat(bodies.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([i, m]) => mutate(bodies[i], m)) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
    fc.assert(
      fc.property(input, (body) => {
        let snap;
        try {
          snap = parse(body);
        } catch (e) {
          expect(isMarketfeedError(e), `${id}: ${body.slice(0, 300)} threw ${(e as Error)?.stack ?? String(e)}`).toBe(true);
          return;
        }
        expect(Number.isInteger(snap.lastUpdateId), `${id}: lastUpdateId ${snap.lastUpdateId}`).toBe(true);
        expect(Number.isFinite(snap.ts), `${id}: ts ${snap.ts}`).toBe(true);
        for (const [p, a] of [...snap.bids, ...snap.asks]) {
          for (const t of [p, a]) expect(typeof t === 'string' && Number.isFinite(Number(t)) && /^-?\d/.test(t), `${id}: level [${p}, ${a}] of ${body.slice(0, 300)}`).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

// The counterexample the property found, pinned: a Kraken level time of 1e99999 (Infinity once
// parsed) made the snapshot's ts Infinity; such a time is now skipped like a missing one.
describe('a Kraken REST book with a level time that is no finite number', () => {
  it('takes the newest finite time', () => {
    const body = '{"error":[],"result":{"XXBTZUSD":{"asks":[["45285.20000","0.001",1e99999]],"bids":[["45283.50000","0.100",1688671660]]}}}';
    expect(getVenue('kraken').parseDepth!(body)).toEqual({ lastUpdateId: -1, ts: 1688671660_000000, bids: [['45283.50000', '0.100']], asks: [['45285.20000', '0.001']] });
  });
});
