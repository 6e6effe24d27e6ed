// director completion bash|zsh|fish: the completion script for a shell, made from the
// program's own commands and options; `--values <kind>` is what the scripts call back for
// groups, hosts and projects while a person types.
import { UsageError } from '../config/errors.js';
import { EXIT } from '../exit-codes.cjs';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import type { CompletionSpec } from '../completion/spec.js';
import { completionValues, isValuesKind } from '../completion/values.js';
import { zshScript } from '../completion/zsh.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionOptions {
  shell?: string;
  /** --values: print these names instead of a script. */
  values?: string;
  /** With --values: the words typed so far (a -c among them names the clients file). */
  words: string[];
}

export type CompletionResult = { shell: Shell; script: string; exitCode: number } | { values: string[]; exitCode: number };

export function completion(opts: CompletionOptions, deps: { spec: () => CompletionSpec; cwd: string; env: NodeJS.ProcessEnv }): CompletionResult {
  if (opts.values !== undefined) {
    if (!isValuesKind(opts.values)) throw new UsageError(`completion --values: group, host or project (got "${opts.values}")`);
    return { values: completionValues(opts.values, opts.words, deps), exitCode: EXIT.ok };
  }
  const shell = opts.shell;
  if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: name a shell: ${SHELLS.join(', ')}${shell === undefined ? '' : ` (got "${shell}")`}`);
  const make = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell as Shell];
  return { shell: shell as Shell, script: make(deps.spec()), exitCode: EXIT.ok };
}
