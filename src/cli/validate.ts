// marketfeed validate --day-dir <dir>: replays one recorded day through the live book code and
// checks its files (replay/validate.ts). `--capture <file> --venue <id>` checks a cryptofeed-format
// capture instead (replay/validate-capture.ts). Exit 0 clean, 1 when anything was found, 2 on bad
// input.
import { Command, Option } from 'commander';
import { MarketfeedError } from '../core/errors.js';
import { formatReport, validateDay } from '../replay/validate.js';
import { formatCaptureReport, validateCapture } from '../replay/validate-capture.js';
import { EXIT_FAILED, EXIT_OK, reportFatal } from './exit.js';

interface ValidateFlags {
  dayDir?: string;
  capture?: string;
  http?: string;
  venue?: string;
  symbols?: string;
  format: 'text' | 'json';
}

async function run(flags: ValidateFlags): Promise<{ text: string; json: unknown; clean: boolean }> {
  if (flags.capture !== undefined) {
    if (flags.dayDir !== undefined) throw new MarketfeedError('MF_ERR_CONFIG', 'give --day-dir or --capture, not both', { path: 'capture' });
    if (flags.venue === undefined) throw new MarketfeedError('MF_ERR_CONFIG', '--capture needs --venue (the venue whose protocol the capture holds)', { path: 'venue' });
    const symbols = flags.symbols?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const r = await validateCapture({ capture: flags.capture, venue: flags.venue, http: flags.http, symbols });
    return { text: formatCaptureReport(r), json: r, clean: r.clean };
  }
  if (flags.dayDir === undefined) throw new MarketfeedError('MF_ERR_CONFIG', 'give --day-dir <dir> (a recorded day) or --capture <file> --venue <id>', { path: 'dayDir' });
  const r = await validateDay(flags.dayDir);
  return { text: formatReport(r), json: r, clean: r.clean };
}

export const validateCommand = new Command('validate')
  .description('Rebuild a recorded day\'s books from its raw capture, compare them with the recorded rows, and check every file')
  .option('--day-dir <dir>', 'one recorded day: <data-dir>/<label>/<SYMBOL_FS>/<YYYYMMDD>')
  .option('--capture <file>', 'a cryptofeed-format websocket capture (*.ws.N.0) to check instead')
  .option('--http <file>', 'with --capture: its REST capture (*.http.N.0)')
  .option('--venue <id>', 'with --capture: the venue whose protocol it holds')
  .option('--symbols <list>', 'with --capture: unified symbols (default: those its subscriptions name)')
  .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
  .action(async (flags: ValidateFlags) => {
    try {
      const r = await run(flags);
      process.stdout.write(flags.format === 'json' ? JSON.stringify(r.json, null, 2) + '\n' : r.text);
      process.exitCode = r.clean ? EXIT_OK : EXIT_FAILED;
    } catch (e) {
      process.exitCode = reportFatal(e);
    }
  });
