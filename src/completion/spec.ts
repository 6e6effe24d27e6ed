// What shell completion knows about director, read from the commander program itself so a
// new command or option completes without touching the scripts: commands, their options,
// which options take a value and what kind of value (a file, a group, a project…).
import type { Command, Option } from 'commander';

/** How an option's value or an operand completes. */
export type ValueKind = 'file' | 'dir' | 'group' | 'host' | 'project' | 'shell' | 'none' | { choices: string[] };

export interface OptionSpec {
  short?: string;
  long?: string;
  description: string;
  /** undefined: a flag that takes no value. */
  value?: ValueKind;
}

export interface CommandSpec {
  /** `exec`, or `sandbox up` for a nested one. */
  name: string;
  aliases: string[];
  description: string;
  options: OptionSpec[];
  /** Operands in order; the last may repeat. */
  operands: ValueKind[];
}

export interface CompletionSpec {
  globals: OptionSpec[];
  commands: CommandSpec[];
}

/** Values named by the option's placeholder: `-g <name>` is a group, `--list <project>` a project. */
const BY_OPTION: Record<string, ValueKind> = {
  '--group': 'group',
  '--nodes': 'host',
  '--hosts': 'host',
  '--ssh-option': 'none',
  '--jump': 'none',
  '--exclude': 'host',
  '--list': 'project',
  '--remote-root': 'none',
  '--seed': 'none',
  '--ext': 'none',
  '--user': 'none',
  '--count': 'none',
  '--parallel': 'none',
  '--timeout': 'none',
  '--connect-timeout': 'none',
  '--ignore-ssh-option': { choices: ['ProxyJump', 'ProxyCommand', 'ProxyUseFdpass', 'BindAddress', 'BindInterface', 'CanonicalizeHostname'] },
  '--placement': { choices: ['mod', 'random'] },
  '--dir': 'dir',
  '--output': 'dir',
};

/** Operands by command and position: what `data <dir> <project>` and `run <script> [project]` take. */
const OPERANDS: Record<string, ValueKind[]> = {
  data: ['dir', 'project'],
  run: ['file', 'project', 'none'],
  mkdir: ['none', 'none'],
  exec: ['none'],
  completion: ['shell'],
  hosts: ['host'],
};

function optionSpec(o: Option): OptionSpec {
  const spec: OptionSpec = { description: o.description };
  if (o.short) spec.short = o.short;
  if (o.long) spec.long = o.long;
  if (o.required || o.optional) spec.value = o.argChoices ? { choices: o.argChoices } : (BY_OPTION[o.long ?? ''] ?? 'file');
  return spec;
}

export function completionSpec(program: Command): CompletionSpec {
  const commands: CommandSpec[] = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      if (sub.commands.length > 0) walk(sub, `${name} `);
      commands.push({
        name,
        aliases: sub.aliases(),
        description: sub.description(),
        options: sub.options.filter((o) => !o.hidden).map(optionSpec),
        operands: OPERANDS[name] ?? [],
      });
    }
  };
  walk(program, '');
  return { globals: program.options.filter((o) => !o.hidden).map(optionSpec), commands };
}

/** Every spelling of an option: `-t`, `--timeout`. */
export function flagsOf(o: OptionSpec): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}
