// Query parameters of the REST routes and the relay: each parsed to a value or one line saying
// what was wrong (a 400 / a 1008 close), never thrown.

/** Book levels a client asks for: default min(20, recorded), 1..recorded. */
export function parseDepth(text: string | null | undefined, recorded: number): number | string {
  const dflt = Math.min(20, recorded);
  if (text === undefined || text === null || text === '') return dflt;
  if (!/^-?\d+$/.test(text)) return `depth ${JSON.stringify(text.slice(0, 32))} is not an integer`;
  const n = Number(text);
  if (recorded <= 0) return 'no book is recorded for this symbol';
  if (n < 1) return `depth ${n} must be at least 1`;
  if (n > recorded) return `depth ${n} is more than the recorded depth ${recorded} (record with --depth ${n} for more)`;
  return n;
}

/** A row limit: default `dflt`, 1..max. */
export function parseLimit(text: string | null | undefined, dflt: number, max: number): number | string {
  if (text === undefined || text === null || text === '') return dflt;
  if (!/^\d+$/.test(text)) return `limit ${JSON.stringify(text.slice(0, 32))} is not a positive integer`;
  const n = Number(text);
  if (n < 1 || n > max) return `limit ${n} must be from 1 to ${max}`;
  return n;
}
