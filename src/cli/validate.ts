// marketfeed validate --day-dir <dir>: replays one recorded day through the live book code and
// checks its files (replay/validate.ts). Exit 0 clean, 1 when anything was found, 2 on bad input.
import { Command, Option } from 'commander';
import { formatReport, validateDay } from '../replay/validate.js';
import { EXIT_FAILED, EXIT_OK, reportFatal } from './exit.js';

interface ValidateFlags {
  dayDir?: string;
  format: 'text' | 'json';
}

export const validateCommand = new Command('validate')
  .description('Rebuild a recorded day\'s books from its raw capture, compare them with the recorded rows, and check every file')
  .requiredOption('--day-dir <dir>', 'one recorded day: <data-dir>/<label>/<SYMBOL_FS>/<YYYYMMDD>')
  .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
  .action(async (flags: ValidateFlags) => {
    try {
      const report = await validateDay(flags.dayDir!);
      process.stdout.write(flags.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      process.exitCode = report.clean ? EXIT_OK : EXIT_FAILED;
    } catch (e) {
      process.exitCode = reportFatal(e);
    }
  });
