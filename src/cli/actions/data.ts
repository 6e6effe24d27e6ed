import { resolve } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { data, listPlacement, planData, type DataOptions } from '../../commands/data.js';
import { DataProgress, renderDataResult, renderFound, renderPlacementList, renderPlan } from '../../output/data.js';
import { DEFAULT_REMOTE_ROOT, placementRecordPath, STATE_DIR } from '../../transfer/placement-record.js';
import type { PlacementRule } from '../../transfer/placement.js';
import { DEFAULT_EXTENSIONS, parseExtensions } from '../../transfer/scan.js';
import { EXIT } from '../../exit-codes.cjs';
import type { ActionContext } from '../context.js';
export interface DataArgs {
  dir?: string;
  project?: string;
  remoteRoot?: string;
  placement?: string;
  seed?: string;
  replicas?: string;
  ext?: string;
  all?: boolean;
  keep?: boolean;
  force?: boolean;
  dryRun?: boolean;
  list?: string;
  wait?: boolean;
}

export default async function dataAction(a: DataArgs, ctx: ActionContext): Promise<number> {
  const p = ctx.p;
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
  if (a.replicas !== undefined && !/^[1-9]\d{0,5}$/.test(a.replicas)) throw new UsageError(`--replicas must be a whole number of 1 or more (got "${a.replicas}")`);
  const opts: DataOptions = {
    dir: a.dir,
    project: a.project,
    remoteRoot: a.remoteRoot ?? DEFAULT_REMOTE_ROOT,
    placement: (a.placement as PlacementRule | undefined) ?? 'mod',
    keep: a.keep === true,
    force: a.force === true,
    stateDir,
    wait: a.wait === true,
    seed: a.seed,
    replicas: a.replicas === undefined ? 1 : Number(a.replicas),
    // undefined: every regular file (--all)
    extensions: a.all ? undefined : a.ext !== undefined ? parseExtensions(a.ext) : DEFAULT_EXTENSIONS,
  };
  if (opts.extensions?.length === 0) throw new UsageError('--ext: no extensions given');

  // A dry run needs no keys or known_hosts (it contacts no client) and takes no lock.
  if (a.dryRun) {
    renderPlan(await planData(opts, ctx.clients()), p);
    return EXIT.ok;
  }
  let progress: DataProgress | undefined;
  const result = await data(opts, {
    fleet: ctx.fleet(),
    onPlan: (plan) => {
      if (!p.json) renderFound(plan, p);
      progress = new DataProgress(plan, p);
    },
    onEvent: (e) => progress?.event(e),
  });
  progress?.stop();
  renderDataResult(result, p, placementRecordPath(stateDir, opts.project));
  return result.exitCode;
}
