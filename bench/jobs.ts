// Jobs scenarios of `npm run bench`: director's task queue against GNU parallel --sshlogin,
// with OpenSSH's ControlMaster/ControlPersist on (the masters opened before the timing, as an
// experienced admin has them) and off (a connection per task).
//   (a) trivial tasks (`true <file>`) over the clients: tasks/s. GNU parallel without a master
//       pays a key exchange per task, so it runs fewer tasks; the ratio is per task.
//   (b) `wc -l` over every file of a data set placed by `director data`: director map runs
//       each task where its file lies; GNU parallel gets the same locality by hand (one
//       parallel per host with that host's files), through its master.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../src/sandbox/cluster.js';
import type { PeerConfig } from './cluster-config.js';
import { measure, type Contender, type Sample } from './measure.js';

export interface JobsBench {
  director: string;
  directorArgs: string[];
  cluster: Cluster;
  peer: PeerConfig;
  work: string;
  smoke: boolean;
}

/** Tasks at once per client, for director (-j) and GNU parallel (N/ before each --sshlogin). */
const SLOTS = 8;

/** director as a contender: `command` with -j and -o, then `rest`; its output folder cleared before each run. */
function directorContender(b: JobsBench, name: string, tasks: number, out: string, command: string[], rest: string[]): Contender {
  return {
    name,
    tasks,
    prepare: () => rmSync(out, { recursive: true, force: true }),
    run: () => measure(b.director, [...b.directorArgs, ...command, '-j', String(SLOTS), '-o', out, ...rest], { cwd: b.work }),
  };
}

/** An ssh_config with ControlMaster on for every alias, and the way to open and close the masters. */
function masters(b: JobsBench): { config: string; open(): void; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cm-'));
  const config = join(b.work, 'ssh_config_cm');
  writeFileSync(config, `Host *\n  ControlMaster auto\n  ControlPath ${dir}/%C\n  ControlPersist 600\n${readFileSync(b.peer.sshConfig, 'utf8')}`);
  const each = (args: string[]) => {
    for (const a of b.peer.aliases) {
      try {
        execFileSync('ssh', ['-F', config, ...args, a, ...(args.includes('-O') ? [] : ['true'])], { stdio: 'ignore' });
      } catch {
        /* a master already gone */
      }
    }
  };
  return { config, open: () => each([]), close: () => each(['-O', 'exit']) };
}

function parallelArgs(config: string, aliases: readonly string[]): string[] {
  return ['--will-cite', ...aliases.flatMap((a) => ['--sshlogin', `${SLOTS}/ssh -F ${config} ${a}`])];
}

/** (a): `true <file>` tasks; director runs `tasks`, GNU parallel fewer without a master. */
export function trivialScenario(b: JobsBench): { tasks: number; contenders: Contender[] } {
  const n = b.smoke ? 200 : 20_000;
  const withMaster = b.smoke ? 40 : 2_000;
  const perConnection = b.smoke ? 10 : 200;
  const lines = (k: number, prefix = '') => `${Array.from({ length: k }, (_, i) => `${prefix}f_${i + 1}.txt`).join('\n')}\n`;
  const jobFile = join(b.work, 'trivial.jobs');
  writeFileSync(jobFile, lines(n, 'true '));
  const inputs = [withMaster, perConnection].map((k) => {
    const f = join(b.work, `trivial-${k}.txt`);
    writeFileSync(f, lines(k));
    return f;
  });
  const cm = masters(b);
  const out = join(b.work, 'jobs-out');
  return {
    tasks: n,
    contenders: [
      directorContender(b, 'director jobs run', n, out, ['jobs', 'run'], [jobFile]),
      {
        name: 'GNU parallel --sshlogin + ControlMaster',
        tasks: withMaster,
        prepare: cm.open,
        run: () => measure('parallel', [...parallelArgs(cm.config, b.peer.aliases), 'true', '{}'], { stdin: inputs[0] }),
        check: cm.close,
      },
      {
        name: 'GNU parallel --sshlogin',
        tasks: perConnection,
        run: () => measure('parallel', [...parallelArgs(b.peer.sshConfig, b.peer.aliases), 'true', '{}'], { stdin: inputs[1] }),
      },
    ],
  };
}

/** The (b) data set: 16 files of 16 MB and 1984 of 16 KB (287 MB in 2000 files), lines of text. */
function wcData(dir: string, smoke: boolean): number {
  const [small, big, bigSize] = smoke ? [18, 2, 1 << 20] : [1984, 16, 16 << 20];
  if (existsSync(join(dir, '.complete'))) return small + big;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const text = (size: number) => {
    const line = `${randomBytes(24).toString('hex')}\n`;
    return line.repeat(Math.ceil(size / line.length)).slice(0, size);
  };
  const smallText = text(16 * 1024);
  for (let i = 1; i <= small; i++) writeFileSync(join(dir, `w_${i}.txt`), smallText);
  const bigText = text(bigSize);
  for (let i = small + 1; i <= small + big; i++) writeFileSync(join(dir, `w_${i}.txt`), bigText);
  writeFileSync(join(dir, '.complete'), '');
  return small + big;
}

/** (b): wc -l of every file where it lies. Places the data set with director data first (not timed). */
export function wcScenario(b: JobsBench): { tasks: number; contenders: Contender[] } {
  const source = join(b.work, 'wc-source');
  const n = wcData(source, b.smoke);
  execFileSync(b.director, [...b.directorArgs, 'data', '--keep', source, 'benchwc'], { cwd: b.work, stdio: 'ignore' });
  const record = JSON.parse(readFileSync(join(b.work, '.director', 'benchwc', 'placement.json'), 'utf8')) as { files: Array<{ path: string; client: string }> };
  const script = join(b.work, 'wc.sh');
  writeFileSync(script, '#!/bin/sh\nwc -l "$1"\n');
  const cm = masters(b);
  // One GNU parallel per host, each with the files data put there: the locality director gets from its record.
  const perHost = b.cluster.hosts.map((h, i) => {
    const f = join(b.work, `wc-files-${i}`);
    writeFileSync(f, `${record.files.filter((x) => x.client === h.name).map((x) => x.path).join('\n')}\n`);
    return `parallel --will-cite --sshlogin '${SLOTS}/ssh -F ${cm.config} ${b.peer.aliases[i]}' 'cd director/data/benchwc && wc -l {}' < ${f} > /dev/null & pids+=($!)`;
  });
  const peerScript = join(b.work, 'wc-parallel.sh');
  // GNU parallel exits with the number of failed jobs: the run fails if any of them did.
  writeFileSync(peerScript, `#!/bin/bash\npids=()\n${perHost.join('\n')}\nrc=0\nfor p in "\${pids[@]}"; do wait $p || rc=1; done\nexit $rc\n`);
  const out = join(b.work, 'wc-out');
  return {
    tasks: n,
    contenders: [
      directorContender(b, 'director map (wc -l)', n, out, ['map'], [script, 'benchwc']),
      { name: 'GNU parallel per host + ControlMaster (wc -l)', tasks: n, prepare: cm.open, run: () => measure('bash', [peerScript]), check: cm.close },
    ],
  };
}

/**
 * Peak RSS of director with `tasks` queued: a jobs run of that many tasks stopped by SIGINT
 * after `seconds` (planning, the run folder, the scheduler, a summary of every task).
 */
export async function queuedPeak(b: JobsBench, tasks: number, seconds: number): Promise<Sample> {
  const jobFile = join(b.work, 'queued.jobs');
  writeFileSync(jobFile, 'true\n'.repeat(tasks));
  const timeOut = join(b.work, 'queued.time');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-o', timeOut, '-f', '%U %S %M', b.director, ...b.directorArgs, 'jobs', 'run', '-j', String(SLOTS), '-o', join(b.work, 'queued-out'), jobFile], {
    cwd: b.work,
    stdio: 'ignore',
    detached: true,
  });
  const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGINT'), seconds * 1000);
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  clearTimeout(timer);
  const [u, s, m] = readFileSync(timeOut, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  // 130: stopped by the SIGINT, as meant.
  return { wallS: (performance.now() - started) / 1000, cpuS: (u ?? 0) + (s ?? 0), maxRssKb: m ?? 0, code: code === 130 ? 0 : code };
}
