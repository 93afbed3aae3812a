// npm run soak -- --minutes 30 [--symbols 20] [--seed 1] [--fault-every-ms 3000] [--redundant N]
//                 [--max-lag-ms 250] [--keep DIR]
// The chaos soak (scripts/soak/run.mjs): simulators with every fault on a seeded random schedule,
// a recorder per venue, then book rows against ground truth, gaps, trades, RSS, event-loop lag,
// gzip files, validate and replay. Prints a summary; exits 0 only when every check holds, 1 when
// one fails, 2 on bad flags. Runs the built CLI: `npm run build` first.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CLI, runSoak } from './soak/run.mjs';

const USAGE = 'usage: npm run soak -- --minutes N [--symbols 20] [--seed 1] [--fault-every-ms 3000] [--redundant N] [--max-lag-ms 250] [--keep DIR]';

function positiveNumber(name, text, integer = false) {
  const n = Number(text);
  if (text === undefined || !(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    process.stderr.write(`soak: --${name} wants ${integer ? 'a whole number' : 'a number'} > 0, got ${JSON.stringify(text ?? '')}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

let flags;
try {
  flags = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' }, symbols: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' },
      'fault-every-ms': { type: 'string', default: '3000' }, redundant: { type: 'string' }, 'max-lag-ms': { type: 'string', default: '250' },
      keep: { type: 'string' }, help: { type: 'boolean' },
    },
  }).values;
} catch (e) {
  process.stderr.write(`soak: ${e.message}\n${USAGE}\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!existsSync(CLI)) {
  process.stderr.write(`soak: ${CLI} is missing: run "npm run build" first\n`);
  process.exit(2);
}
const options = {
  minutes: positiveNumber('minutes', flags.minutes),
  symbols: Math.max(2, positiveNumber('symbols', flags.symbols, true)),
  seed: positiveNumber('seed', flags.seed, true),
  faultEveryMs: positiveNumber('fault-every-ms', flags['fault-every-ms']),
  redundant: flags.redundant === undefined ? undefined : positiveNumber('redundant', flags.redundant, true),
  maxLagMs: positiveNumber('max-lag-ms', flags['max-lag-ms']),
  workDir: flags.keep,
  progress: (line) => process.stdout.write(`soak: ${line}\n`),
};

const started = Date.now();
const report = await runSoak(options);
const out = [];
out.push('', `soak summary: ${report.minutes} min, ${report.symbols} symbols on ${report.venues.map((v) => `${v.venue} (${v.symbols})`).join(' and ')}` +
  `${report.redundant ? `, --redundant ${report.redundant}` : ''}, ${((Date.now() - started) / 60_000).toFixed(1)} min in all`);
for (const v of report.venues) {
  const fired = Object.entries(v.faults).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  out.push(`  ${v.venue} faults injected: ${fired || 'none'}`);
}
for (const c of report.checks) out.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
out.push(report.ok ? 'soak: every check holds' : `soak: ${report.checks.filter((c) => !c.ok).length} checks failed; data kept in ${report.work}`);
process.stdout.write(out.join('\n') + '\n');
process.exitCode = report.ok ? 0 : 1;
