// marketfeed up -f marketfeed.deploy.yaml: runs a machine's recorders, serve and sinks as child
// processes (src/deploy/), restarts crashed ones with backoff, prints one status line per child
// on stdout at each change (their own output goes to stderr behind their name), and stops them
// all cleanly on Ctrl-C / SIGTERM.
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { MarketfeedError } from '../core/errors.js';
import { loadDeploySpec } from '../deploy/spec.js';
import { statusLine, Supervisor } from '../deploy/supervisor.js';
import { EXIT_OK, onStopSignal, reportFatal, SUPERVISOR_ENV } from './exit.js';

export const upCommand = new Command('up')
  .description('Run the recorders, serve and sinks of a deploy file as child processes, restarting crashed ones')
  .option('-f, --file <path>', 'deploy file', 'marketfeed.deploy.yaml')
  .option('--stop-timeout <seconds>', 'seconds a child may take to stop before it is killed', '15')
  .action(async (flags: { file: string; stopTimeout: string }) => {
    const stop = onStopSignal();
    try {
      const timeoutS = Number(flags.stopTimeout);
      if (!(timeoutS > 0)) throw new MarketfeedError('MF_ERR_USAGE', `--stop-timeout ${JSON.stringify(flags.stopTimeout)} is not a number of seconds > 0`, { got: flags.stopTimeout });
      const spec = loadDeploySpec(flags.file);
      const main = fileURLToPath(new URL('./main.js', import.meta.url));
      const sup = new Supervisor(spec, {
        command: [process.execPath, main],
        onStatus: (s) => process.stdout.write(statusLine(s) + '\n'),
        onLine: (name, line) => process.stderr.write(`${name} | ${line}\n`),
        // children watch for this pid: if `up` dies without stopping them, they stop themselves
        env: { ...process.env, [SUPERVISOR_ENV]: String(process.pid) },
      });
      sup.start();
      const why = await stop.promise;
      process.stderr.write(`marketfeed up: ${why}: stopping ${spec.processes.length} process(es)\n`);
      await sup.stop(timeoutS * 1000);
      process.exitCode = EXIT_OK;
    } catch (e) {
      process.exitCode = reportFatal(e);
    } finally {
      stop.dispose();
    }
  });
