// commander hands over all operands in one list and forgets where `--` stood. run needs it:
// `run s.sh proj -- a b` and `run s.sh -- a b` differ. Everything after the first `--` of
// the command line is an operand, so the last N operands are the script's arguments.
import { UsageError } from '../config/errors.js';

export interface RunOperands {
  script: string;
  project?: string;
  args: string[];
}

export function splitRunOperands(operands: readonly string[], argv: readonly string[]): RunOperands {
  const dash = argv.indexOf('--');
  const after = dash === -1 ? 0 : argv.length - dash - 1;
  const before = operands.slice(0, operands.length - after);
  const args = operands.slice(operands.length - after);
  if (dash === -1 && before.length > 2) {
    throw new UsageError('run: arguments for the script go after "--": director run <script> [project] -- <args…>');
  }
  if (before.length > 2) throw new UsageError(`run: too many operands before "--" (${before.slice(2).join(' ')})`);
  const [script, project] = before;
  if (script === undefined || script === '') throw new UsageError('run: missing <script>');
  // No `project` key without a project: the operands are compared whole (test/unit/run-id).
  return { script, ...(project !== undefined ? { project } : {}), args };
}
