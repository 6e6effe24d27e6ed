import { resolve } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { listPlacement, planData, runData, type DataOptions } from '../../commands/data.js';
import { DataProgress, renderDataResult, renderFound, renderPlacementList, renderPlan } from '../../output/data.js';
import { Printer } from '../../output/printer.js';
import { DEFAULT_REMOTE_ROOT, manifestPath, STATE_DIR } from '../../transfer/manifest.js';
import { DEFAULT_EXTENSIONS, parseExtensions } from '../../transfer/scan.js';
import { buildFleet } from '../context.js';
import { EXIT, interruptedExit } from '../exit-codes.js';
import { parseGlobals, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';
import { loadClients } from '../../config/load.js';
import { selectionOf } from '../context.js';

export interface DataArgs {
  dir?: string;
  project?: string;
  remoteRoot?: string;
  placement?: string;
  seed?: string;
  ext?: string;
  all?: boolean;
  keep?: boolean;
  force?: boolean;
  dryRun?: boolean;
  list?: string;
}

export default async function dataAction(raw: RawGlobals, a: DataArgs, ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const stateDir = resolve(STATE_DIR);
  if (a.list !== undefined) {
    renderPlacementList(listPlacement(stateDir, a.list), p);
    return EXIT.ok;
  }
  if (a.dir === undefined || a.project === undefined) throw new UsageError('data: give <dir> and <project> (or --list <project>)');
  if (a.placement !== undefined && a.placement !== 'mod' && a.placement !== 'random') {
    throw new UsageError(`--placement must be mod or random (got "${a.placement}")`);
  }
  if (a.all && a.ext !== undefined) throw new UsageError('--all and --ext exclude each other');
  const opts: DataOptions = {
    dir: a.dir,
    project: a.project,
    remoteRoot: a.remoteRoot ?? DEFAULT_REMOTE_ROOT,
    placement: (a.placement as 'mod' | 'random' | undefined) ?? 'mod',
    keep: a.keep === true,
    force: a.force === true,
    stateDir,
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
    ...(a.all ? {} : { extensions: a.ext !== undefined ? parseExtensions(a.ext) : DEFAULT_EXTENSIONS }),
  };
  if (opts.extensions?.length === 0) throw new UsageError('--ext: no extensions given');

  if (a.dryRun) {
    const clients = loadClients(g.clients, selectionOf(g));
    renderPlan(await planData(opts, clients), p);
    return EXIT.ok;
  }
  const { clients, fleet } = buildFleet(g, { signal: ctx.signal, notice: (m) => p.noteOnce(m) });
  const plan = await planData(opts, clients);
  if (!p.json) renderFound(plan, p);
  const progress = new DataProgress(plan, p);
  const result = await runData(plan, opts, { fleet, onEvent: (e) => progress.event(e) });
  progress.stop();
  renderDataResult(result, p, manifestPath(stateDir, opts.project));
  if (result.interrupted) return interruptedExit(ctx.signal);
  return result.failed === 0 ? EXIT.ok : EXIT.failed;
}
