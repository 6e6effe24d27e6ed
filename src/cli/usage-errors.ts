// commander's parse errors, said the way a person can act on them: the help to read is the
// command's own (`director exec --help`), and an option of a command given before it
// (`director -q exec …`) says where it belongs. Under --json the error is the JSON envelope
// on stdout instead (docs/json.md).
import type { Command } from 'commander';
import { errorEnvelope } from '../output/envelope.js';

/** `director exec`, `director sandbox up`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The subcommand of `cmd` that `args` name, if any (by name or alias). */
function namedSubcommand(cmd: Command, args: readonly string[]): Command | undefined {
  for (const a of args) {
    if (a === '--') return undefined;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (sub) return namedSubcommand(sub, args.slice(args.indexOf(a) + 1)) ?? sub;
  }
  return undefined;
}

function hasOption(cmd: Command, flag: string): boolean {
  return cmd.options.some((o) => o.short === flag || o.long === flag || o.long === flag.replace(/^--no-/, '--'));
}

export interface UsageErrorText {
  /** The command the error is about, as after `director` (`exec`), for --json. */
  command: string;
  /** What to print: the error, where the option belongs if it is misplaced, and the help to read. */
  lines: string[];
}

/** Explains commander's `message` (e.g. "error: unknown option '-q'") raised while parsing `cmd`. */
export function explainUsageError(message: string, cmd: Command, args: readonly string[]): UsageErrorText {
  const text = message.trim().replace(/^error: /, '');
  const target = namedSubcommand(cmd, args) ?? cmd;
  const lines = [`director: ${text}`];
  const unknown = /^unknown option '([^']+)'/.exec(text)?.[1]?.replace(/=.*$/, '');
  if (unknown !== undefined && target !== cmd && hasOption(target, unknown)) {
    const path = commandPath(target);
    lines.push(`${unknown} is an option of ${path}: put it after "${target.name()}" (${path} ${unknown} …)`);
  }
  lines.push(`(run ${commandPath(target)} --help for usage)`);
  return { command: commandPath(target).replace(/^director ?/, '') || 'director', lines };
}

/** Is --json among the options (before any `--`)? */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** commander's error output for `cmd`: explained on stderr, or the JSON envelope on stdout under --json. */
export function usageErrorOutput(cmd: Command, args: readonly string[] = process.argv.slice(2)) {
  return (message: string, writeErr: (s: string) => void): void => {
    const e = explainUsageError(message, cmd, args);
    if (wantsJson(args)) process.stdout.write(`${JSON.stringify(errorEnvelope(e.command, 2, 'usage', e.lines.slice(0, -1).join('; ').replace(/^director: /, '')), null, 2)}\n`);
    else writeErr(`${e.lines.join('\n')}\n`);
  };
}
