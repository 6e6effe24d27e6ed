import { resolve } from 'node:path';
import { checkRun, run } from '../../commands/run.js';
import { UsageError } from '../../config/errors.js';
import { Printer } from '../../output/printer.js';
import type { Fleet } from '../../ssh/fleet.js';
import { RunRenderer, type RunView } from '../../output/run.js';
import { splitRunOperands } from '../../run/argv.js';
import { LocalTemp } from '../../run/local-temp.js';
import { prepareStdin, type StdinSource } from '../../run/stdin.js';
import { STATE_DIR } from '../../transfer/manifest.js';
import { buildFleet } from '../context.js';
import { parseGlobals, type GlobalOptions, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

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

export function viewOf(o: RunCliOptions): RunView {
  const chosen = (['inline', 'fold', 'quiet'] as const).filter((k) => o[k] === true);
  if (chosen.length > 1) throw new UsageError(`choose one of --inline, --fold and -q (got ${chosen.map((k) => `--${k}`).join(', ')})`);
  return chosen[0] ?? 'live';
}

/** Everything around a run/exec command: printer, renderer, stdin spool, exit status. */
export async function withRunContext(
  raw: RawGlobals,
  o: RunCliOptions,
  ctx: ActionContext,
  body: (c: { g: GlobalOptions; p: Printer; view: RunView; renderer: RunRenderer; temp: LocalTemp; stdin?: StdinSource; fleet: Fleet }) => Promise<number>,
): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const view = viewOf(o);
  const { fleet } = buildFleet(g, { signal: ctx.signal, notice: (m) => p.noteOnce(m) });
  const temp = new LocalTemp();
  try {
    const stdin = await prepareStdin({ option: o.stdin, input: process.stdin, temp, signal: ctx.signal });
    const renderer = new RunRenderer(p, view);
    return await body({ g, p, view, renderer, temp, fleet, ...(stdin ? { stdin } : {}) });
  } finally {
    temp.remove();
  }
}

export default async function runAction(raw: RawGlobals, args: RunCliArgs, ctx: ActionContext): Promise<number> {
  const { script, project, args: scriptArgs } = splitRunOperands(args.operands, args.argv);
  const o = args.opts;
  const base = {
    script,
    ...(project !== undefined ? { project } : {}),
    args: scriptArgs,
    outputRoot: o.output ?? 'output',
    ...(o.remoteRoot !== undefined ? { remoteRoot: o.remoteRoot } : {}),
    stateDir: resolve(STATE_DIR),
    keepRemote: o.keepRemote === true,
  };
  checkRun(base); // a missing script or bad project fails before stdin is read or a client contacted
  return withRunContext(raw, o, ctx, async ({ g, renderer, stdin, fleet }) => {
    const outcome = await run(
      { ...base, ...(g.timeout !== undefined ? { timeoutMs: g.timeout * 1000 } : {}), ...(stdin ? { stdin } : {}), signal: ctx.signal },
      { fleet, events: renderer.events },
    );
    await renderer.finish(outcome, true);
    return outcome.exitCode;
  });
}
