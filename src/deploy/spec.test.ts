import { describe, expect, it } from 'vitest';
import { parseDeploySpec } from './spec.js';

describe('deploy file', () => {
  it('reads processes and restart settings, with defaults', () => {
    const s = parseDeploySpec(`
processes:
  - name: rec
    args: [record, --venue, binance, --depth, 10]
  - name: sink-pg
    args: [sink, --nats, "nats://127.0.0.1:4222", --postgres, "postgresql://postgres@127.0.0.1/md"]
restart:
  backoff: 2s
  max_backoff: 1m
`);
    expect(s.processes).toEqual([
      { name: 'rec', args: ['record', '--venue', 'binance', '--depth', '10'] },
      { name: 'sink-pg', args: ['sink', '--nats', 'nats://127.0.0.1:4222', '--postgres', 'postgresql://postgres@127.0.0.1/md'] },
    ]);
    expect(s.restart).toEqual({ backoffMs: 2000, maxBackoffMs: 60_000, stableMs: 60_000 });
  });

  it.each([
    ['processes: []', /processes: .*at least 1|processes: Too small/i],
    ['processes:\n  - name: a\n    args: [record]\n  - name: a\n    args: [serve]', /two processes are named a/],
    ['processes:\n  - name: a\n    args: [query, x]', /runs "query"; want one of record, serve, sink, sim/],
    ['processes:\n  - name: a\n    args: [record]\n    restart: always', /processes\.0: Unrecognized key/i],
    ['processes:\n  - name: "a b"\n    args: [record]', /processes\.0\.name: letters, digits/],
    ['processes:\n  - name: a\n    args: [record]\nrestart:\n  backoff: soon', /restart\.backoff: "soon" is not a duration/],
    ['processes: [ {', /is not valid YAML/],
    // the yaml library only warns about an unknown tag and goes on with a guess
    ['processes:\n  - name: !k a\n    args: [record]', /is not valid YAML: .*!k/],
  ])('rejects %j with one clear line', (text, message) => {
    expect(() => parseDeploySpec(text, 'd.yaml')).toThrow(message);
    expect(() => parseDeploySpec(text, 'd.yaml')).toThrow(/^[^\n]+$/);
  });
});
