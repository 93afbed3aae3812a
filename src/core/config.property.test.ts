// Property tests (fast-check) of the config path: any marketfeed.yaml, environment or flag value
// either loads or is refused with one MF_ERR_CONFIG line (the CLI's exit 2, cli/exit.ts), never
// anything else. test/cli-property.test.ts runs a few of the generated values through the built CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CONFIG_KEYS, envName, loadConfig, type Config, type ConfigKey } from './config.js';
import { isMarketfeedError } from './errors.js';

/** A fixed seed (fast-check prints it with any failure); FC_SEED=<n> to explore elsewhere. */
const SEED = Number(process.env.FC_SEED ?? 20261207);

/** Texts worth trying for a key of each kind, besides arbitrary ones. */
const ODD_TEXTS = [
  '', ' ', '0', '-0', '-1', '1', '1.5', '1e400', '-1e400', 'NaN', 'Infinity', '0x10', '1_000', '99999999999999999999', '1e-400',
  'true', 'false', 'yes', 'off', 'TRUE', 'maybe', '30s', '5m', '2h', '1d', '-5s', '5x', 's', '0930', '2400', '9999', '12:30', '123',
  'UTC', 'America/New_York', 'Mars/Olympus', 'info', 'LOUD', 'count', 'resync', 'BTC/USDT', 'BTC/USDT,ETH/USDT', ',,,', 'a,,b',
  '1/2', '0/0', '3/2', 'nats://127.0.0.1:4222', '{"options":{}}', '{', '\u0000', 'line\nbreak', '"quoted"', '💥',
];

const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_TEXTS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

const keyArb: fc.Arbitrary<ConfigKey> = fc.constantFrom(...CONFIG_KEYS);

/** Flags as commander hands them to loadConfig: text, or a boolean for the boolean keys. */
const flagsArb: fc.Arbitrary<Record<string, unknown>> = fc.array(
  fc.tuple(keyArb, textArb, fc.boolean()).map(([k, text, b]): [string, unknown] => [k.path, k.kind === 'bool' && text.length % 2 === 0 ? b : text]),
  { maxLength: 4 },
).map((pairs) => Object.fromEntries(pairs));

/** Environment variables: the derived names and the aliases, plus names that mean nothing to us. */
const envArb: fc.Arbitrary<Record<string, string>> = fc.array(
  fc.tuple(fc.oneof(keyArb.chain((k) => fc.constantFrom(envName(k.path), ...(k.env ?? []))), fc.constantFrom('HOME', 'MARKETFEED', 'DEPTH')), textArb),
  { maxLength: 4 },
).map((pairs) => Object.fromEntries(pairs));

/** A YAML value: scalars of every type, lists, nested mappings, garbage. */
const yamlValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: textArb },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(fc.oneof(textArb, fc.integer(), fc.constant(null)), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A mapping of known keys (as written: nested, dotted paths, YAML aliases) and unknown ones. */
const yamlDocArb: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    // a known key (as written: dotted path or YAML alias), with its default (valid) or any value
    { weight: 4, arbitrary: keyArb.chain((k) => fc.tuple(fc.constantFrom(k.path, ...(k.yaml ?? [])), fc.oneof({ weight: 2, arbitrary: fc.constant(k.default) }, { weight: 3, arbitrary: yamlValueArb }))) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('ws', 'storage', 'serve', '__proto__', 'constructor', 'window.tz.x'), fc.string({ minLength: 1, maxLength: 8 })), yamlValueArb) },
  ),
  { maxLength: 4 },
).map((pairs) => {
  const doc: Record<string, unknown> = {};
  for (const [path, value] of pairs) {
    // nest dotted paths as a user writes them (`ws:` then `  pingIntervalS:`)
    const parts = path.split('.');
    let o = doc;
    for (const p of parts.slice(0, -1)) {
      if (typeof o[p] !== 'object' || o[p] === null || Array.isArray(o[p])) Object.defineProperty(o, p, { value: {}, enumerable: true, writable: true, configurable: true });
      o = o[p] as Record<string, unknown>;
    }
    Object.defineProperty(o, parts.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
  }
  return toYaml(doc);
});

/** Text that is YAML only by accident: broken indentation, tabs, flow collections left open, aliases. */
const brokenYamlArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('a: b: c', 'depth: 1\ndepth: 2', '[unclosed', '\t- a', 'venue: *nowhere', '{depth: 5', 'depth: [1, 2', '---\n---\ndepth: 3',
    ': no key', '? complex\n: key', 'depth: !k 5', '!x\nvenue: binance', 'venue: !!int x', 'depth: !!binary abc', '%YAML 9.9\n---\na: 1', '"unterminated', "depth: 'x", '- - -', 'ws:\n  pingIntervalS: 1\n ws: 2'),
  fc.string({ maxLength: 60 }),
  yamlDocArb.chain((doc) => fc.nat().map((cut) => doc.slice(0, cut % (doc.length + 1)))),
);

/** Loads, or refuses with one line: an MF_ERR_CONFIG error the CLI turns into exit 2. */
function loadsOrRefusesInOneLine(input: Parameters<typeof loadConfig>[0]): Config | undefined {
  try {
    return loadConfig(input);
  } catch (e) {
    expect(isMarketfeedError(e, 'MF_ERR_CONFIG'), `not a config error: ${(e as Error)?.stack ?? String(e)}`).toBe(true);
    const err = e as Error & { recovery: string };
    expect(err.recovery).toBe('fatal');
    expect(err.message, 'one line').not.toMatch(/[\n\r]/);
    expect(err.message.length).toBeGreaterThan(0);
    return undefined;
  }
}

/** Runs per property; FC_RUNS=5000 for a longer hunt. */
const RUNS = Number(process.env.FC_RUNS ?? 200);

const dir = mkdtempSync(join(tmpdir(), 'mf-config-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('any config value loads or is refused with one MF_ERR_CONFIG line', () => {
  it('flags and environment', () => {
    let refused = 0;
    let loaded = 0;
    fc.assert(
      fc.property(flagsArb, envArb, (flags, env) => {
        if (loadsOrRefusesInOneLine({ flags, env, cwd: dir }) === undefined) refused++;
        else loaded++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(refused).toBeGreaterThan(RUNS / 10);
    expect(loaded).toBeGreaterThan(RUNS / 10);
  });

  it('YAML files: mappings of known and unknown keys, and broken YAML', () => {
    // not marketfeed.yaml: the other properties load from this directory and must not find it
    const file = join(dir, 'written.yaml');
    // Node prints process warnings on stderr: one would be a line besides the error's
    const warnings: string[] = [];
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => { warnings.push(String(w)); });
    onTestFinished(() => { emitWarning.mockRestore(); });
    let refused = 0;
    let loaded = 0;
    fc.assert(
      fc.property(fc.oneof(yamlDocArb, brokenYamlArb), flagsArb, (text, flags) => {
        writeFileSync(file, text);
        if (loadsOrRefusesInOneLine({ file, flags, env: {} }) === undefined) refused++;
        else loaded++;
        expect(warnings, 'warnings printed while loading').toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(refused).toBeGreaterThan(RUNS / 10);
    expect(loaded).toBeGreaterThan(RUNS / 20);
  });

  it('a config file that is missing or a directory', () => {
    loadsOrRefusesInOneLine({ file: join(dir, 'missing.yaml') });
    loadsOrRefusesInOneLine({ file: dir });
  });
});

// Counterexample the YAML property found, pinned: the yaml parser's message runs on over three
// lines (the offending line and a caret), and the CLI printed all of them.
describe('a YAML syntax error or warning is one line naming the file, line and column', () => {
  // and a warning (an unknown tag) was printed by Node as a second stderr line: now refused too
  it.each([['a: b: c', 'line 1, column 4'], ['depth: 1\ndepth: 2', 'line 2, column 1'], ['[unclosed', 'line 1, column 10'], ['depth: !k 5', 'Unresolved tag: !k at line 1, column 8']])('%j', (text, where) => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, text);
    expect(() => loadConfig({ file })).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
    try {
      loadConfig({ file });
    } catch (e) {
      expect((e as Error).message).toContain(`cannot read config file ${file}: `);
      expect((e as Error).message).toContain(where);
      expect((e as Error).message).not.toMatch(/\n/);
    }
  });
});
