import { resolve } from 'node:path';
import { checkRun, run } from '../../commands/run.js';
import { UsageError } from '../../config/errors.js';
import type { Fleet } from '../../ssh/fleet.js';
import { RunRenderer, type RunView } from '../../output/run.js';
import { LocalTemp, prepareStdin, type StdinSource } from '../../run/spool.js';
import { STATE_DIR } from '../../transfer/placement-record.js';
import type { ActionContext } from '../context.js';
import { splitRunOperands } from '../run-operands.js';

/** The options run and exec share, as commander parsed them. */
export interface RunCliOptions {
  output?: string;
  remoteRoot?: string;
  keepRemote?: boolean;
  inline?: boolean;
  fold?: boolean;
  quiet?: boolean;
  /** --stdin <file>, or false for --no-stdin. */
  stdin?: string | false;
}

export interface RunCliArgs {
  opts: RunCliOptions;
  /** All operands, in order (commander does not say where `--` stood). */
  operands: string[];
  argv: string[];
}

export function secondsToMs(s: number | undefined): number | undefined {
  return s === undefined ? undefined : s * 1000;
}

export function viewOf(o: RunCliOptions): RunView {
  // -q with --fold is clush -bq: the blocks and nothing more (RunRenderer's `quiet`).
  const chosen = (['inline', 'fold', 'quiet'] as const).filter((k) => o[k] === true && !(k === 'quiet' && o.fold === true));
  if (chosen.length > 1) throw new UsageError(`choose one of --inline, --fold and -q (got ${chosen.map((k) => `--${k}`).join(', ')})`);
  return chosen[0] ?? 'live';
}

/** Everything around a run/exec command: renderer, stdin spool, the Fleet. */
export async function withRunContext(
  o: RunCliOptions,
  ctx: ActionContext,
  body: (c: { view: RunView; renderer: RunRenderer; temp: LocalTemp; stdin: StdinSource | undefined; fleet: Fleet }) => Promise<number>,
): Promise<number> {
  const view = viewOf(o);
  const fleet = ctx.fleet();
  const temp = new LocalTemp();
  try {
    const stdin = await prepareStdin({ option: o.stdin, input: process.stdin, temp, signal: ctx.signal });
    return await body({ view, renderer: new RunRenderer(ctx.p, view, o.quiet === true), temp, fleet, stdin });
  } finally {
    temp.remove();
  }
}

export default async function runAction(args: RunCliArgs, ctx: ActionContext): Promise<number> {
  const { script, project, args: scriptArgs } = splitRunOperands(args.operands, args.argv);
  const o = args.opts;
  const base = {
    script,
    project,
    args: scriptArgs,
    outputRoot: o.output ?? 'output',
    remoteRoot: o.remoteRoot,
    stateDir: resolve(STATE_DIR),
    keepRemote: o.keepRemote === true,
    timeoutMs: secondsToMs(ctx.g.timeout),
  };
  checkRun(base); // a missing script or bad project fails before stdin is read or a client contacted
  return withRunContext(o, ctx, async ({ renderer, stdin, fleet }) => {
    const outcome = await run({ ...base, stdin }, { fleet, events: renderer.events });
    await renderer.finish(outcome, true);
    return outcome.exitCode;
  });
}
