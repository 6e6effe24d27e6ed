// Everything copy and sync do at one client, over its one connection:
//   1. find out what it has (stat of the targets, or of the whole destination for sync) and
//      remove earlier runs' temporaries where this run writes;
//   2. decide each file: unchanged, or to send (push-decide.ts; md5 on both ends where the
//      sizes match and content decides);
//   3. sync --delete: remove extraneous entries; create the folders that are missing;
//   4. meet the other clients that need the same files (rendezvous.ts) and take its share of
//      each batch streamed to the group (shared-send.ts), verify every file's md5, keep a
//      backup where asked, and rename the verified ones into place (atomic, replacing).
// A file that fails at any step leaves nothing at its final name and its temporary removed.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { judgeBatch } from './batch-verdict.js';
import type { PushFile } from './local-sources.js';
import { extraneous, firstLook, modeFor, type Compare } from './push-decide.js';
import { remoteMd5 } from './remote-batch.js';
import { RemoteFiles, type Move } from './remote-files.js';
import { joinRemote } from './remote-path.js';
import { probeTargets, probeTree, type RemoteEntry } from './remote-stat.js';
import { TEMPORARY_NAME } from './scan.js';
import { keepBackups, makeDirs, removeEntries, removeLeftoversIn } from './remote-tree-ops.js';
import type { Rendezvous } from './rendezvous.js';
import type { SharedSend } from './shared-send.js';
import { OWNER_FAILED, type Batch, type BatchOutcome } from './tar-batch.js';
import type { FailKind, FileJob } from './types.js';

export interface PushSpec {
  /** The destination folder on the clients (remote-path.ts form). */
  base: string;
  files: readonly PushFile[];
  /** Folders to have under the destination. */
  dirs: readonly string[];
  compare: Compare;
  /** Mode and mtime of the local files (sync always). */
  preserve: boolean;
  mode?: number;
  owner?: string;
  backup: boolean;
  /** sync: look at the whole destination, and remove what the local folder has not. */
  tree: boolean;
  delete: boolean;
  dryRun: boolean;
}

export type PushStatus =
  | { rel: string; status: 'written'; bytes: number; md5: string; backup: boolean }
  | { rel: string; status: 'unchanged' }
  | { rel: string; status: 'would-write'; why: 'missing' | 'differs' }
  | { rel: string; status: 'failed'; kind: FailKind; reason: string };

export interface PushClientResult {
  files: PushStatus[];
  /** sync --delete: removed (checked gone), or what --dry-run would remove. */
  deleted: string[];
  wouldDelete: string[];
  deleteFailed: string[];
  /** Folders that could not be created. */
  dirsFailed: string[];
  temporariesRemoved?: number;
  error?: HostError;
}

/** A client waiting to be sent its files, as the rendezvous groups it. */
export interface Member {
  session: Session;
  jobs: FileJob[];
  /** The mode each file's entry carries. */
  modeOf: (f: PushFile) => number;
}

export interface PushShared {
  rendezvous: Rendezvous<Member, SharedSend>;
  /** The folders the run writes in (foldersWritten), the same for every client. */
  writesIn: readonly string[];
  /** md5 of a local file, computed once for every client that asks. */
  localMd5: (f: PushFile) => Promise<string>;
  signal?: AbortSignal;
  onFile?: (s: PushStatus) => void;
}

export async function pushToClient(session: Session, name: string, spec: PushSpec, shared: PushShared): Promise<PushClientResult> {
  const res: PushClientResult = { files: [], deleted: [], wouldDelete: [], deleteFailed: [], dirsFailed: [] };
  const statuses = new Map<string, PushStatus>();
  const set = (s: PushStatus) => {
    if (statuses.has(s.rel)) return;
    statuses.set(s.rel, s);
    shared.onFile?.(s);
  };
  const signal = shared.signal;
  const target = (rel: string) => joinRemote(spec.base, rel);
  try {
    const dirTargets = spec.dirs.map(target);
    const files = new RemoteFiles(session);
    const writesIn = shared.writesIn;
    // sync: one command tells the facts and the whole destination; its listing shows any
    // leftover temporary, so the clean-up runs only where there is one.
    const [probe, removed] = await Promise.all([
      spec.tree ? probeTree(session, spec.base, spec.owner !== undefined, signal) : probeTargets(session, [...spec.files.map((f) => target(f.rel)), ...dirTargets], spec.owner !== undefined, signal),
      spec.dryRun || spec.tree ? undefined : removeLeftoversIn(session, writesIn, signal),
      // copy sends: the renames' SFTP channel opens meanwhile (or is found missing).
      spec.dryRun || spec.tree ? undefined : files.prepare(),
    ]);
    const tree = 'exists' in probe ? probe : undefined;
    res.temporariesRemoved = removed ?? (tree === undefined ? undefined : await leftoversSeen(session, tree.entries, spec.base, writesIn, spec.dryRun, signal));
    const there = (rel: string): RemoteEntry | undefined => (tree ? tree.entries.get(rel) : probe.entries.get(target(rel)));
    const { umask, uid } = probe.facts;
    const modeOf = (f: PushFile) => modeFor(f, { mode: spec.mode, preserve: spec.preserve, umask });

    // What each file needs.
    const send: PushFile[] = [];
    const check: PushFile[] = [];
    for (const f of spec.files) {
      const look = firstLook(f, there(f.rel), spec.compare, { mode: spec.mode ?? (spec.preserve ? f.mode & 0o777 : undefined), mtime: spec.preserve });
      if (look === 'send') send.push(f);
      else if (look === 'unchanged') set({ rel: f.rel, status: 'unchanged' });
      else check.push(f);
    }
    if (check.length > 0) {
      const sums = await remoteMd5(session, check.map((f) => target(f.rel)), signal);
      await Promise.all(
        check.map(async (f) => {
          if (sums.get(target(f.rel)) === (await shared.localMd5(f))) set({ rel: f.rel, status: 'unchanged' });
          else send.push(f);
        }),
      );
    }
    const order = new Map(spec.files.map((f, i) => [f, i]));
    send.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const gone = spec.delete ? extraneous(spec.files, spec.dirs, tree?.entries ?? new Map()) : { files: [], dirs: [] };
    const missingDirs = spec.dirs.filter((d) => there(d)?.type !== 'dir' || gone.files.includes(d));

    if (spec.dryRun) {
      for (const f of send) set({ rel: f.rel, status: 'would-write', why: there(f.rel) === undefined ? 'missing' : 'differs' });
      res.wouldDelete = [...gone.files, ...gone.dirs];
      shared.rendezvous.done(name);
      return finish(res, spec, statuses);
    }
    if (spec.owner !== undefined && uid !== 0) {
      for (const f of send) set({ rel: f.rel, status: 'failed', kind: 'io', reason: `--owner needs root on the client (logged in as uid ${uid})` });
      send.length = 0;
    }
    // Extraneous entries go first: a folder where a file must go (or the reverse) is in the way.
    const toRemove = [...gone.files, ...gone.dirs];
    if (toRemove.length > 0) {
      const removedNow = await removeEntries(session, spec.base, toRemove, signal);
      res.deleted = toRemove.filter((r) => removedNow.has(r));
      res.deleteFailed = toRemove.filter((r) => !removedNow.has(r));
    }
    if (missingDirs.length > 0) {
      const made = await makeDirs(session, spec.base, missingDirs, signal);
      res.dirsFailed = missingDirs.filter((d) => !made.has(d));
    }
    if (send.length === 0) {
      shared.rendezvous.done(name);
      return finish(res, spec, statuses);
    }
    // sync: the SFTP channel for the renames opens while the batches travel.
    if (spec.tree) files.prepare().catch(() => undefined);
    await sendShared(session, files, name, spec, send, { there, modeOf, umask }, shared, set);
  } catch (e) {
    res.error = e instanceof HostError ? e : session.isLost ? session.lostError() : new HostError('io', (e as Error).message ?? String(e));
    if (signal?.aborted && !session.isLost) res.error = new HostError('interrupted', 'interrupted');
  }
  return finish(res, spec, statuses);
}

/** The folders a run writes in: the same for every client (push-fleet.ts finds them once). */
export function foldersWritten(spec: PushSpec): string[] {
  return [...new Set([spec.base, ...spec.files.map((f) => posix.dirname(joinRemote(spec.base, f.rel)))])];
}

/**
 * sync's clean-up of earlier runs' temporaries, from its listing: the folders it writes to are
 * cleaned (as copy does up front) only when the listing shows a temporary in one of them.
 */
async function leftoversSeen(session: Session, entries: ReadonlyMap<string, RemoteEntry>, base: string, writesIn: readonly string[], dryRun: boolean, signal?: AbortSignal): Promise<number | undefined> {
  if (dryRun) return undefined;
  const dirs = new Set(writesIn);
  // Every temporary's name holds "director-": only such names are looked at closer.
  const seen = [...entries].some(([rel, e]) => e.type === 'file' && rel.includes('director-') && TEMPORARY_NAME.test(posix.basename(rel)) && dirs.has(posix.dirname(joinRemote(base, rel))));
  return seen ? removeLeftoversIn(session, writesIn, signal) : 0;
}

/** Every file without a status failed with the client's error. */
function finish(res: PushClientResult, spec: PushSpec, statuses: Map<string, PushStatus>): PushClientResult {
  const e = res.error;
  const kind: FailKind = e?.kind === 'interrupted' ? 'interrupted' : e?.kind === 'unreachable' ? 'unreachable' : 'io';
  res.files = spec.files.map((f) => statuses.get(f.rel) ?? { rel: f.rel, status: 'failed', kind, reason: e?.message ?? 'not sent' });
  return res;
}

async function sendShared(
  session: Session,
  files: RemoteFiles,
  name: string,
  spec: PushSpec,
  send: readonly PushFile[],
  at: { there: (rel: string) => RemoteEntry | undefined; modeOf: (f: PushFile) => number; umask: number },
  shared: PushShared,
  set: (s: PushStatus) => void,
): Promise<void> {
  const jobs: FileJob[] = send.map((f) => ({ file: f, remotePath: joinRemote(spec.base, f.rel) }));
  // Clients share a stream only if every byte of it, headers included, is the same for them.
  const modes = spec.mode !== undefined ? `m${spec.mode}` : spec.preserve ? 'p' : `u${at.umask}`;
  const key = createHash('sha256').update(`${modes}\0${jobs.map((j) => j.remotePath).join('\0')}`).digest('hex');
  const group = await shared.rendezvous.arrive(name, key, { session, jobs, modeOf: at.modeOf });
  let fatal: HostError | undefined;
  await Promise.all(
    group.batches.map(async (batch, k) => {
      const outcome = await group.outcome(session, k);
      if (outcome instanceof HostError) {
        if (session.isLost || outcome.kind === 'interrupted') fatal ??= session.isLost ? session.lostError() : outcome;
        const kind: FailKind = session.isLost ? 'unreachable' : outcome.kind === 'interrupted' ? 'interrupted' : 'io';
        for (const it of batch.items) set({ rel: it.job.file.rel, status: 'failed', kind, reason: session.isLost ? session.lostError().message : outcome.message });
        return;
      }
      await placeBatch(session, files, spec, batch, outcome, at.there, set);
    }),
  );
  if (fatal !== undefined) throw fatal;
}

/** Verify a batch's files on this client, keep backups, rename the good ones into place. */
async function placeBatch(
  session: Session,
  files: RemoteFiles,
  spec: PushSpec,
  batch: Batch,
  outcome: BatchOutcome,
  there: (rel: string) => RemoteEntry | undefined,
  set: (s: PushStatus) => void,
): Promise<void> {
  const { verified, rejected } = judgeBatch(outcome, spec.base, batch.items);
  const discard: string[] = [];
  for (const r of rejected) {
    set({ rel: r.it.job.file.rel, status: 'failed', kind: r.kind, reason: r.reason });
    if (r.tmp !== undefined) discard.push(r.tmp);
  }
  let good = verified;
  const drop = (why: (rel: string) => string | undefined) => {
    good = good.filter((v) => {
      const reason = why(v.it.job.file.rel);
      if (reason === undefined) return true;
      set({ rel: v.it.job.file.rel, status: 'failed', kind: 'io', reason });
      discard.push(v.tmp);
      return false;
    });
  };
  if (outcome.code === OWNER_FAILED) {
    const why = outcome.stderr.trim().split('\n').pop() ?? 'chown failed';
    drop(() => `cannot give it to ${spec.owner ?? '?'}: ${why}`);
  }
  const backedUp = new Set<string>();
  if (spec.backup) {
    const replaced = new Set(good.filter((v) => there(v.it.job.file.rel)?.type === 'file').map((v) => v.it.job.file.rel));
    // Not stopped by Ctrl-C: a verified file is either placed or its temporary removed.
    const kept = await keepBackups(session, spec.base, [...replaced]).catch((): Set<string> => new Set());
    for (const rel of kept) backedUp.add(rel);
    drop((rel) => (replaced.has(rel) && !kept.has(rel) ? `cannot keep a backup as ${rel}~` : undefined));
  }
  const moves = new Map<Move, (typeof good)[number]>(good.map((v) => [{ from: v.tmp, to: v.it.job.remotePath }, v]));
  const failed = await files.renameAll([...moves.keys()]).catch((e: unknown) => {
    if (session.isLost) throw session.lostError();
    return new Map([...moves.keys()].map((m) => [m, (e as Error).message]));
  });
  for (const [move, v] of moves) {
    const why = failed.get(move);
    if (why === undefined) set({ rel: v.it.job.file.rel, status: 'written', bytes: v.sent.bytes, md5: v.sent.md5, backup: backedUp.has(v.it.job.file.rel) });
    else {
      set({ rel: v.it.job.file.rel, status: 'failed', kind: 'io', reason: `cannot rename into place: ${why}` });
      discard.push(move.from);
    }
  }
  await files.unlinkAll(discard);
}
