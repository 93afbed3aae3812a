// CLI flags derived from the config key table: every key has a flag (`ws.pingIntervalS` →
// `--ws-ping-interval-s`), booleans get `--x` / `--no-x`. Parsed values are handed to loadConfig
// keyed by config path, so validation and error messages are the same as for the file and env.
import { Command, Option } from 'commander';
import { CONFIG_KEYS, flagName, envName, type Config, loadConfig } from '../core/config.js';

/** Keys shown with their plain name in --help of every command that records. */
export function addConfigOptions(cmd: Command, only?: (path: string) => boolean): Command {
  cmd.option('--config <file>', 'YAML config file (default: ./marketfeed.yaml if present)');
  for (const k of CONFIG_KEYS) {
    if (only && !only(k.path)) continue;
    const flag = flagName(k.path);
    const env = [envName(k.path), ...(k.env ?? [])].join(', ');
    const help = `${k.doc} [env ${env}; default ${JSON.stringify(k.default)}]`;
    if (k.kind === 'bool') {
      cmd.addOption(new Option(`--${flag}`, help));
      cmd.addOption(new Option(`--no-${flag}`, `turn ${flag} off`).hideHelp());
    } else {
      cmd.addOption(new Option(`--${flag} <value>`, help));
    }
  }
  return cmd;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads commander's parsed options back into config paths and builds the validated Config. */
export function configFromFlags(opts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Config {
  const flags: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) {
    const v = opts[camel(flagName(k.path))];
    if (v !== undefined) flags[k.path] = v;
  }
  return loadConfig({ flags, env, file: opts.config as string | undefined });
}
