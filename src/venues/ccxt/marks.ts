// The `conn` marks a ccxt capture carries besides the venue's own frames. Socket marks use the
// names every capture uses (`open <url>`, `close <code> <reason>`, plus `error <message>` before
// a close that an error caused); the session's decisions go on connId 0 as `ccxt …` marks:
//   ccxt session <json>      the plan (exchange, its config, symbols, what is watched) — a new run
//   ccxt watch <kind> <sym>  a watch call, made at this point of the stream
//   ccxt status <code> <url> the REST body that follows answered this HTTP status (not 2xx)
//   ccxt rest-error <url> <message>  a REST request that got no answer
//   ccxt stop                the recording stopped its books
import type { WatchKind } from './engine.js';
import type { CcxtPlan } from './plan.js';

const KINDS: ReadonlySet<string> = new Set<WatchKind>(['trades', 'ticker', 'quote', 'book']);

export type Mark =
  | { kind: 'session'; plan: CcxtPlan }
  | { kind: 'watch'; watch: WatchKind; symbol: string }
  | { kind: 'status'; status: number; url: string }
  | { kind: 'rest-error'; url: string; message: string }
  | { kind: 'stop' }
  | { kind: 'open'; url: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; message: string };

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return oneLine(e.message);
  if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return oneLine((e as { message: string }).message);
  return oneLine(String(e));
}

export const marks = {
  session: (plan: CcxtPlan): string => `ccxt session ${JSON.stringify(plan)}`,
  watch: (kind: WatchKind, symbol: string): string => `ccxt watch ${kind} ${symbol}`,
  status: (status: number, url: string): string => `ccxt status ${status} ${url}`,
  restError: (url: string, e: unknown): string => `ccxt rest-error ${url} ${messageOf(e)}`,
  stop: (): string => 'ccxt stop',
  error: (e: unknown): string => `error ${messageOf(e)}`,
  close: (ev: { code?: number; reason?: unknown }): string => `close ${typeof ev?.code === 'number' ? ev.code : 1006} ${oneLine(String(ev?.reason ?? ''))}`.trimEnd(),
};

/** Reads a `conn` frame's text; undefined for anything this fallback did not write. */
export function parseMark(data: string): Mark | undefined {
  if (data.startsWith('open ')) return { kind: 'open', url: data.slice(5) };
  if (data.startsWith('close ')) {
    const rest = data.slice(6);
    const sp = rest.indexOf(' ');
    const code = Number(sp < 0 ? rest : rest.slice(0, sp));
    return { kind: 'close', code: Number.isInteger(code) ? code : 1006, reason: sp < 0 ? '' : rest.slice(sp + 1) };
  }
  if (data.startsWith('error ')) return { kind: 'error', message: data.slice(6) };
  if (data === 'ccxt stop') return { kind: 'stop' };
  if (!data.startsWith('ccxt ')) return undefined;
  const [, verb, a, b] = /^ccxt (\S+) (\S+)(?: ([\s\S]*))?$/.exec(data) ?? [];
  switch (verb) {
    case 'session': {
      try {
        const plan = JSON.parse(data.slice('ccxt session '.length)) as CcxtPlan;
        return plan !== null && typeof plan === 'object' && plan.v === 1 ? { kind: 'session', plan } : undefined;
      } catch {
        return undefined;
      }
    }
    case 'watch': return KINDS.has(a) && b ? { kind: 'watch', watch: a as WatchKind, symbol: b } : undefined;
    case 'status': return /^\d+$/.test(a) && b ? { kind: 'status', status: Number(a), url: b } : undefined;
    case 'rest-error': return { kind: 'rest-error', url: a, message: b ?? '' };
    default: return undefined;
  }
}
