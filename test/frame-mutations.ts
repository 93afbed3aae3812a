// Mutations of real venue frames for the property tests (fast-check): a frame's JSON is parsed,
// one of its values picked by path and replaced (by a huge or odd number, NaN text, a value of
// another type, nested garbage), deleted or turned into text; or the text is cut short, or a
// number in it printed as NaN / Infinity. Paths and offsets are taken modulo what the frame holds,
// so any generated mutation applies to any frame.
import fc from 'fast-check';

/** Raw JSON texts a mutation puts where a value was: huge, tiny, not a number, wrong type. */
export const ODD_VALUES = [
  '1e400', '-1e400', '1e308', '-0', '0', '-1', '4294967296', '18446744073709551616', '123456789012345678901234567890',
  '9007199254740993', '1.5e-7', '0.1e-400', '"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"-1"', '""', '" "', '"abc"',
  '"0x10"', '"1,5"', 'null', 'true', 'false', '[]', '{}', '[[]]', '[null]', '{"":{}}', '"\\u0000"', '"💥"',
];
const HOLE = '\u0000HOLE\u0000';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Paths to every value of a JSON document (the root too). */
function paths(x: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(x)) x.forEach((v, i) => paths(v, [...at, i], out));
  else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) paths(v, [...at, k], out);
  return out;
}

export type Mutation =
  | { kind: 'replace'; path: number; raw: string }
  | { kind: 'delete'; path: number }
  | { kind: 'garbage'; path: number; value: Json }
  | { kind: 'stringify'; path: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'nan'; at: number };

/** Applies mutations to a frame's JSON text; paths and offsets are taken modulo what exists. */
export function mutate(text: string, mutations: Mutation[]): string {
  let t = text;
  for (const m of mutations) {
    if (m.kind === 'truncate') {
      t = t.slice(0, m.at % Math.max(1, t.length));
      continue;
    }
    if (m.kind === 'nan') {
      // a number's text replaced by NaN / Infinity, as a careless producer would print it
      const nums = [...t.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      if (nums.length === 0) continue;
      const n = nums[m.at % nums.length];
      t = t.slice(0, n.index) + ['NaN', 'Infinity', '-Infinity', 'nan', '1e99999'][m.at % 5] + t.slice(n.index! + n[0].length);
      continue;
    }
    let doc: Json;
    try {
      doc = JSON.parse(t) as Json;
    } catch {
      continue;
    }
    const all = paths(doc);
    const path = all[m.path % all.length];
    const parentPath = path.slice(0, -1);
    const key = path.at(-1);
    let parent: Json = doc;
    for (const p of parentPath) parent = (parent as Record<string | number, Json>)[p];
    const set = (v: Json): void => {
      if (key === undefined) doc = v;
      else (parent as Record<string | number, Json>)[key] = v;
    };
    const current = key === undefined ? doc : (parent as Record<string | number, Json>)[key];
    switch (m.kind) {
      case 'replace': set(HOLE); break;
      case 'garbage': set(m.value); break;
      case 'stringify': set(typeof current === 'string' ? (Number.isNaN(Number(current)) ? 0 : Number(current)) : JSON.stringify(current)); break;
      case 'delete':
        if (key === undefined) doc = {};
        else if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete (parent as Record<string, Json>)[key];
        break;
    }
    t = JSON.stringify(doc);
    if (m.kind === 'replace') t = t.replace(JSON.stringify(HOLE), m.raw);
  }
  return t;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), raw: fc.constantFrom(...ODD_VALUES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), path: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stringify' as const), path: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nan' as const), at: fc.nat() }) },
);
