// marketfeed.deploy.yaml: the processes `marketfeed up` runs on one machine.
//
//   processes:
//     - name: rec-binance                       # unique; prefixes the child's log lines
//       args: [record, --venue, binance, --symbols, "BTC/USDT,ETH/USDT", --nats, nats://127.0.0.1:4222]
//     - name: sink-pg
//       args: [sink, --nats, nats://127.0.0.1:4222, --postgres, postgresql://postgres@127.0.0.1/md, --init]
//   restart:                                    # optional
//     backoff: 1s                               # first restart delay, doubling per crash …
//     max_backoff: 30s                          # … up to this; reset after a child ran `stable` long
//     stable: 60s
//
// `args` are a marketfeed command line (the first is the command). A child that exits 0 is done;
// one that crashes (non-zero exit or a signal we did not send) is restarted with backoff.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MarketfeedError } from '../core/errors.js';
import { parseDurationMs } from '../core/time.js';
import { parseYamlText } from '../core/yaml-text.js';

/** Commands a deploy file may run (the long-running ones). */
export const DEPLOY_COMMANDS = ['record', 'serve', 'sink', 'sim'] as const;

export interface ProcessSpec {
  name: string;
  args: string[];
}

export interface DeploySpec {
  processes: ProcessSpec[];
  restart: { backoffMs: number; maxBackoffMs: number; stableMs: number };
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v * 1000 : parseDurationMs(v);
  if (!(ms >= 0)) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a duration such as 1s, 30s, 5m` });
    return z.NEVER;
  }
  return ms;
});

const Schema = z.object({
  processes: z.array(z.object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, _ . - (at most 40)'),
    args: z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
  }).strict()).min(1),
  restart: z.object({
    backoff: duration.optional(),
    max_backoff: duration.optional(),
    stable: duration.optional(),
  }).strict().optional(),
}).strict();

/** Reads and checks a deploy file; every problem is one MF_ERR_CONFIG line naming the file and the key. */
export function loadDeploySpec(path: string): DeploySpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MarketfeedError('MF_ERR_CONFIG', `cannot read deploy file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { path: 'deploy' });
  }
  return parseDeploySpec(text, path);
}

export function parseDeploySpec(text: string, source = 'deploy file'): DeploySpec {
  let raw: unknown;
  try {
    raw = parseYamlText(text);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_CONFIG', `${source} is not valid YAML: ${(e as Error).message}`, { path: 'deploy' });
  }
  const r = Schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.join('.') || '(top level)';
    throw new MarketfeedError('MF_ERR_CONFIG', `${source}: ${where}: ${issue.message}`, { path: `deploy.${where}` });
  }
  const names = new Set<string>();
  for (const p of r.data.processes) {
    if (names.has(p.name)) throw new MarketfeedError('MF_ERR_CONFIG', `${source}: two processes are named ${p.name}`, { path: 'deploy.processes' });
    names.add(p.name);
    if (!(DEPLOY_COMMANDS as readonly string[]).includes(p.args[0])) {
      throw new MarketfeedError('MF_ERR_CONFIG', `${source}: process ${p.name} runs ${JSON.stringify(p.args[0])}; want one of ${DEPLOY_COMMANDS.join(', ')}`, { path: 'deploy.processes' });
    }
  }
  const rs = r.data.restart ?? {};
  return {
    processes: r.data.processes,
    restart: { backoffMs: rs.backoff ?? 1000, maxBackoffMs: rs.max_backoff ?? 30_000, stableMs: rs.stable ?? 60_000 },
  };
}
