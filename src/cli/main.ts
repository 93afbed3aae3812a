#!/usr/bin/env node
// marketfeed CLI entry: one file per command; this file only assembles them.
import { Command, CommanderError } from 'commander';
import { recordCommand } from './record.js';
import { simCommand } from './sim.js';
import { queryCommand } from './query.js';
import { genTicksCommand } from './gen-ticks.js';
import { replayCommand } from './replay.js';
import { validateCommand } from './validate.js';
import { register as registerHistory } from './history.js';
import { statusCommand } from './status.js';
import { serveCommand } from './serve.js';
import { venuesCommand } from './venues.js';
import { sinkCommand } from './sink.js';
import { upCommand } from './up.js';
import { repairCommand } from './repair.js';
import { exportCommand } from './export.js';
import { EXIT_USAGE } from './exit.js';

const program = new Command('marketfeed')
  .description('Capture, verify, store and replay crypto-exchange market data')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.addCommand(recordCommand);
program.addCommand(simCommand);
program.addCommand(queryCommand);
program.addCommand(genTicksCommand);
program.addCommand(replayCommand);
program.addCommand(validateCommand);
registerHistory(program);
program.addCommand(statusCommand);
program.addCommand(serveCommand);
program.addCommand(venuesCommand);
program.addCommand(sinkCommand);
program.addCommand(upCommand);
program.addCommand(repairCommand);
program.addCommand(exportCommand);

for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version end with code 0; every usage error with 2
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    throw e;
  }
}
