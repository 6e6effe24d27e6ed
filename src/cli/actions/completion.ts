import type { Command } from 'commander';
import { completion } from '../../commands/completion.js';
import { completionSpec } from '../../completion/spec.js';
import { renderCompletion } from '../../output/completion.js';
import type { ActionContext } from '../context.js';

export default async function completionAction(a: { shell?: string; values?: string; words: string[]; program: Command }, ctx: ActionContext): Promise<number> {
  const result = completion(a, { spec: () => completionSpec(a.program), cwd: process.cwd(), env: process.env });
  renderCompletion(result, ctx.p);
  return result.exitCode;
}
