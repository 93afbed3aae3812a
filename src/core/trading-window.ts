// Trading window: a daily local-time window (e.g. 09:30 to 16:00 America/New_York) outside of
// which `record` writes no market data. Pure policy: no clock, no I/O; the caller asks about
// the row's own localTs, so live capture and replay gate the same rows.
//
// Each local day D has one window [D startHhmm, D+endDayOffset endHhmm). Local wall times are
// turned into instants with the zone's offset from Intl, so the window follows DST: 09:30 New
// York is 14:30Z in winter and 13:30Z in summer. A wall time skipped by a spring-forward maps
// to the instant just after the gap (02:30 → 03:30 local), an ambiguous one (fall back) to the
// earlier of its two instants, as Temporal's 'compatible' disambiguation does.
import { MarketfeedError } from './errors.js';

export interface TradingWindowSpec {
  /** IANA zone (`UTC`, `America/New_York`). */
  tz: string;
  /** `HHMM` local opening time; '' = always open. */
  startHhmm: string;
  /** `HHMM` local closing time (exclusive); '' together with startHhmm. */
  endHhmm: string;
  /** Local days between the opening day and the closing day (2200 → 0600 next day: 1). */
  endDayOffset: number;
}

const DAY_MS = 86_400_000;
const HHMM_RE = /^([01]\d|2[0-3])([0-5]\d)$/;

/** True for `0000` … `2359`. */
export function isHhmm(text: string): boolean {
  return HHMM_RE.test(text);
}

/** True when Intl knows the zone. */
export function isTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function minutesOf(hhmm: string): number {
  const m = HHMM_RE.exec(hhmm);
  return m === null ? NaN : Number(m[1]) * 60 + Number(m[2]);
}

export class TradingWindow {
  readonly spec: TradingWindowSpec;
  /** No window configured: every instant is inside. */
  readonly alwaysOpen: boolean;
  private readonly startMin: number;
  private readonly endMin: number;
  private readonly dayOffset: number;
  private readonly fmt: Intl.DateTimeFormat | undefined;

  /** Throws MF_ERR_CONFIG (with the key path) on a spec no window can be built from. */
  constructor(spec: TradingWindowSpec) {
    this.spec = { ...spec };
    this.alwaysOpen = spec.startHhmm === '' && spec.endHhmm === '';
    if (!isTimeZone(spec.tz)) throw bad('window.tz', spec.tz, 'an IANA time zone such as UTC or America/New_York');
    if (!this.alwaysOpen) {
      if (!isHhmm(spec.startHhmm)) throw bad('window.startHhmm', spec.startHhmm, 'HHMM from 0000 to 2359 (set with window.endHhmm)');
      if (!isHhmm(spec.endHhmm)) throw bad('window.endHhmm', spec.endHhmm, 'HHMM from 0000 to 2359 (set with window.startHhmm)');
    }
    if (!Number.isInteger(spec.endDayOffset) || spec.endDayOffset < 0) {
      throw bad('window.endDayOffset', String(spec.endDayOffset), 'an integer >= 0');
    }
    this.startMin = minutesOf(spec.startHhmm);
    this.endMin = minutesOf(spec.endHhmm);
    this.dayOffset = spec.endDayOffset;
    if (!this.alwaysOpen && this.dayOffset * 1440 + this.endMin <= this.startMin) {
      throw bad('window.endHhmm', spec.endHhmm,
        `a time after window.startHhmm ${spec.startHhmm} on the same day, or window.endDayOffset >= 1 for a window that ends the next day`);
    }
    this.fmt = this.alwaysOpen ? undefined : new Intl.DateTimeFormat('en-US', {
      timeZone: spec.tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  isOpen(tsUs: number): boolean {
    if (this.alwaysOpen) return true;
    const ms = Math.floor(tsUs / 1000);
    for (const [open, close] of this.windowsAround(ms)) if (open <= ms && ms < close) return true;
    return false;
  }

  /**
   * Epoch µs of the first instant after tsUs at which isOpen changes; Infinity when always open.
   * For windows of 24 hours or more, back to back, it may return a recheck point where nothing
   * changes; callers compare states rather than assume a flip.
   */
  nextChange(tsUs: number): number {
    if (this.alwaysOpen) return Infinity;
    const ms = Math.floor(tsUs / 1000);
    const windows = this.windowsAround(ms);
    for (const [open, close] of windows) {
      if (open > ms) return open * 1000;
      if (ms < close) return close * 1000;
    }
    return (ms + DAY_MS) * 1000;
  }

  /** Windows that could hold ms or follow it, merged where they touch, in time order ([open, close) ms). */
  private windowsAround(ms: number): Array<[number, number]> {
    const today = Math.floor((ms + this.offsetMs(ms)) / DAY_MS);
    const out: Array<[number, number]> = [];
    for (let d = today - this.dayOffset - 1; d <= today + this.dayOffset + 2; d++) {
      const open = this.localToUtcMs(d * DAY_MS + this.startMin * 60_000);
      const close = this.localToUtcMs((d + this.dayOffset) * DAY_MS + this.endMin * 60_000);
      if (close <= open) continue; // a window that fell entirely into a DST gap
      const last = out[out.length - 1];
      if (last !== undefined && open <= last[1]) last[1] = Math.max(last[1], close);
      else out.push([open, close]);
    }
    return out;
  }

  /** The zone's offset from UTC at an instant, in ms (New York in winter: -5 h). */
  private offsetMs(ms: number): number {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of this.fmt!.formatToParts(ms)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    return wall - (ms - (((ms % 1000) + 1000) % 1000));
  }

  /** The instant of a local wall time (given as ms since the epoch as if the zone were UTC). */
  private localToUtcMs(wall: number): number {
    // Offsets a day either side bracket any single transition near this wall time.
    const before = this.offsetMs(wall - DAY_MS);
    const after = this.offsetMs(wall + DAY_MS);
    const a = wall - before;
    const b = wall - after;
    const aFits = this.offsetMs(a) === before;
    const bFits = this.offsetMs(b) === after;
    if (aFits && bFits) return Math.min(a, b); // ambiguous (fall back): the earlier instant
    if (aFits) return a;
    if (bFits) return b;
    return a; // skipped by a spring-forward: the old offset lands just after the gap
  }
}

function bad(path: string, got: string, expected: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_CONFIG', `${path} = ${JSON.stringify(got)}`, { path, expected, got: JSON.stringify(got) });
}
