// Helpers for map and jobs tests: data placed by the real `data`, the options a CLI run would
// have, what each host's sshd accepted (connections), how many tasks a host ran at once
// (seen from its own processes), and a run's journal.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { data } from '../../src/commands/data.js';
import type { TaskRunOptions } from '../../src/commands/map.js';
import type { JournalEntry } from '../../src/jobs/journal.js';
import { DEFAULT_REMOTE_ROOT, type PlacementRecord } from '../../src/transfer/placement-record.js';
import { DEFAULT_EXTENSIONS } from '../../src/transfer/scan.js';
import type { TestCluster } from './cluster.js';
import { makeData, type Made } from './data-files.js';
import { statFields } from '../../src/process-tree.js';
import { commandLine, hostNamespace, processesIn } from './proc.js';

/** sshd_config lines that make each host log every login ("Accepted publickey"). */
export const LOG_LOGINS = ['LogLevel INFO'];

/** Logins every host's sshd accepted so far (its log needs LOG_LOGINS). */
export function acceptedLogins(c: TestCluster): number[] {
  return c.hosts.map((h) => (existsSync(h.logFile) ? readFileSync(h.logFile, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey for')).length : 0));
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Files placed on the cluster by `data` (local copies kept, to compare with). */
/** `paths` made locally and sent by `data` (keeping the local copies), `replicas` copies of each. */
export async function placed(c: TestCluster, cwd: string, project: string, paths: readonly string[], size?: (rel: string) => number, replicas = 1): Promise<{ made: Made; record: PlacementRecord }> {
  const made = makeData(paths, size);
  const r = await data(
    {
      dir: made.dir,
      project,
      remoteRoot: DEFAULT_REMOTE_ROOT,
      placement: 'mod',
      extensions: DEFAULT_EXTENSIONS,
      keep: true,
      force: false,
      stateDir: join(cwd, '.director'),
      wait: false,
      replicas,
    },
    { fleet: c.fleet() },
  );
  if (r.exitCode !== 0) throw new Error(`data failed: ${JSON.stringify(r.clients.map((x) => x.error?.message))}`);
  return { made, record: record(cwd, project) };
}

export function record(cwd: string, project: string): PlacementRecord {
  return JSON.parse(readFileSync(join(cwd, '.director', project, 'placement.json'), 'utf8')) as PlacementRecord;
}

/** The options of a map or jobs run in `cwd` as the CLI sets them up. */
export function taskOpts(cwd: string, over: Partial<TaskRunOptions> = {}): TaskRunOptions {
  return { outputRoot: join(cwd, 'output'), stateDir: join(cwd, '.director'), retries: 0, lostRetries: 1, ...over };
}

export function journal(cwd: string, runId: string): JournalEntry[] {
  const text = readFileSync(join(cwd, '.director', 'jobs', runId, 'journal.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalEntry);
}

/** The one run id in `cwd`'s .director/jobs. */
export function onlyRunId(cwd: string): string {
  const ids = readdirSync(join(cwd, '.director', 'jobs'));
  if (ids.length !== 1) throw new Error(`expected one run, found ${ids.join(', ')}`);
  return ids[0] as string;
}

export interface Concurrency {
  /** Per host, the most matching processes seen at once. */
  stop(): number[];
}

/** Polls every host for processes whose command line includes `marker`, keeping the most seen at once. */
export function watchConcurrency(c: TestCluster, marker: string, everyMs = 10): Concurrency {
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  const most = namespaces.map(() => 0);
  const poll = () =>
    namespaces.forEach((ns, i) => {
      // The task's own shell (the launcher's `sh -c` or the script's interpreter). A shell that
      // forks a command shows the same command line in the child until it execs: only the
      // outermost of such a pair counts.
      const matching = new Set(
        processesIn(ns).filter((pid) => {
          const cmd = commandLine(pid) ?? '';
          return cmd.includes(marker) && cmd.startsWith('/bin/sh');
        }),
      );
      const n = [...matching].filter((pid) => !matching.has(Number(statFields(pid)?.[1]))).length;
      most[i] = Math.max(most[i] as number, n);
    });
  const timer = setInterval(poll, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      poll();
      return most;
    },
  };
}

