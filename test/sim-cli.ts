// `marketfeed sim` in its own process, for tests that need the venue apart from the recorder
// (many symbols, memory or start-up figures of the recorder alone).
import { startCli, type CliResult } from './cli.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** CAA/USDT, CAB/USDT, … : n made-up symbols the simulator lists. */
export function manySymbols(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `C${LETTERS[Math.floor(i / 26) % 26]}${LETTERS[i % 26]}/USDT`);
}

/** Starts `marketfeed sim` and resolves with its REST and WS URLs once it prints them. */
export async function startSimCli(symbols: string[], seed = 11): Promise<{ stop(): Promise<CliResult>; rest: string; ws: string }> {
  const { child, done } = startCli(['sim', '--port', '0', '--symbols', symbols.join(','), '--seed', String(seed)]);
  let out = '';
  const urls = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /REST (http:\/\/\S+)\s+WS\s+(ws:\/\/\S+)/.exec(out);
      if (m) resolve(m);
    });
    void done.then((r) => reject(new Error(`sim exited ${r.code}: ${r.stderr}`)));
  });
  return { rest: urls[1], ws: urls[2], stop: () => (child.kill('SIGINT'), done) };
}
