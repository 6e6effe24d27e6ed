// npm run bench: director side by side with parallel-ssh, pdsh, clush, tar|ssh and rsync on a
// sandbox cluster of real sshd hosts on loopback. Contenders run alternately (A B A B …), a
// warm-up round first, then the counted rounds; medians and director/peer ratios go to
// bench/RESULTS.md. `--smoke` is the tiny CI version (2 clients, 1 round). copy/sync/gather
// scenarios: transfer.ts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../src/sandbox/cluster.js';
import { killCluster } from '../test/support/host-control.js';
import { writePeerConfig, type PeerConfig } from './cluster-config.js';
import { queuedPeak, trivialScenario, wcScenario, type JobsBench } from './jobs.js';
import { measure, median, type Contender, type Sample } from './measure.js';
import { transferScenarios } from './transfer.js';
import { ActionContext } from '../src/cli/context.js';
import { processCaller } from '../src/cli/caller.js';
import { SessionPool } from '../src/ssh/session-pool.js';
import { channelFloor, connectKeeper, controlMasterConfig, cpuSeconds, disconnectKeeper, keeperCpuNote, latencyRow, memoryMb, shellLines, warmContenders, type KeptContext } from './kept.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIRECTOR = join(ROOT, 'dist/bin/director.cjs');

interface Options {
  smoke: boolean;
  runs: number;
  out: string;
  sizes: number[];
  scale: number | undefined;
  only: Set<string> | undefined;
}

function parseArgs(argv: string[]): Options {
  const smoke = argv.includes('--smoke');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const only = value('--only');
  return {
    smoke,
    runs: Number(value('--runs') ?? (smoke ? 1 : 5)),
    out: value('--out') ?? join(ROOT, 'bench/RESULTS.md'),
    sizes: smoke ? [2] : (value('--sizes') ?? '8,32,64').split(',').map(Number),
    scale: smoke ? undefined : Number(value('--scale') ?? 256) || undefined,
    only: only ? new Set(only.split(',')) : undefined,
  };
}

interface Row {
  scenario: string;
  tool: string;
  /** Tasks per run, when the scenario counts tasks. */
  tasks?: number;
  wall: number;
  cpu: number;
  rssMb: number;
  ratio?: number;
  failures: number;
}

async function compare(scenario: string, contenders: Contender[], o: Options): Promise<Row[]> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  const rounds = o.smoke ? 1 : o.runs + 1;
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) {
      c.prepare?.();
      const s = await c.run();
      try {
        c.check?.();
      } catch (e) {
        // A run that did not do the job counts as failed; the comparison goes on.
        process.stderr.write(`bench: ${c.name}: ${(e as Error).message}\n`);
        s.code = s.code === 0 ? -1 : s.code;
      }
      if (o.smoke || round > 0) samples.get(c.name)!.push(s);
    }
    process.stderr.write(`  ${scenario}: round ${round + 1}/${rounds}\n`);
  }
  const rows: Row[] = contenders.map((c) => {
    const ss = samples.get(c.name)!;
    return {
      scenario,
      tool: c.name,
      ...(c.tasks !== undefined ? { tasks: c.tasks } : {}),
      wall: median(ss.map((s) => s.wallS)),
      cpu: median(ss.map((s) => s.cpuS)),
      rssMb: Math.max(...ss.map((s) => s.maxRssKb)) / 1024,
      failures: ss.filter((s) => s.code !== 0).length,
    };
  });
  const mine = rows[0]!;
  // Time per task when the contenders ran different numbers of tasks.
  const per = (r: Row) => r.wall / (r.tasks ?? 1);
  for (const r of rows.slice(1)) r.ratio = per(mine) / per(r);
  return rows;
}

// director runs as users run it: the executable, by its shebang.
const directorArgs = (cluster: Cluster) => ['-c', cluster.clientsConf, '-i', cluster.identity, '--known-hosts', cluster.knownHosts, '--host-key-checking', 'strict'];

function fanOut(cluster: Cluster, peer: PeerConfig, n: number): Contender[] {
  const peers = (label: string, cfg: string): Contender[] => [
    { name: `parallel-ssh${label}`, run: () => measure('parallel-ssh', ['-h', peer.hostsFile, '-p', String(n), '-t', '0', '-x', `-F ${cfg}`, 'true']) },
    {
      name: `pdsh${label}`,
      run: () => measure('pdsh', ['-R', 'ssh', '-f', String(n), '-w', peer.aliases.join(','), 'true'], { env: { ...process.env, PDSH_SSH_ARGS_APPEND: `-F ${cfg}` } }),
    },
    { name: `clush${label}`, run: () => measure('clush', ['-f', String(n), '-w', peer.aliases.join(','), '-o', `-F ${cfg}`, 'true']) },
  ];
  return [
    { name: 'director', run: () => measure(DIRECTOR, [...directorArgs(cluster), '-p', String(n), 'exec', '--', 'true']) },
    ...peers('', peer.sshConfig),
    ...peers(' (curve25519)', peer.sshConfigCurve),
  ];
}

/** 1000 × 16 KB + 16 × 16 MB files named `_<n>`, made once. */
function makeData(dir: string, smoke: boolean): void {
  if (existsSync(join(dir, '.complete'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [small, big, bigSize] = smoke ? [20, 2, 1 << 20] : [1000, 16, 16 << 20];
  for (let i = 1; i <= small; i++) writeFileSync(join(dir, `small_${i}.txt`), randomBytes(16 * 1024));
  for (let i = 1; i <= big; i++) writeFileSync(join(dir, `big_${i}.gz`), randomBytes(bigSize));
  writeFileSync(join(dir, '.complete'), '');
}

function shares(source: string, n: number): string[][] {
  const files = execFileSync('ls', [source], { encoding: 'utf8' }).trim().split('\n').filter((f) => /_\d+\./.test(f));
  const out: string[][] = Array.from({ length: n }, () => []);
  for (const f of files) out[(Number(/_(\d+)\./.exec(f)![1]) - 1 + n) % n]!.push(f);
  return out;
}

function dataScenario(cluster: Cluster, peer: PeerConfig, work: string, smoke: boolean): Contender[] {
  const source = join(work, 'source');
  makeData(source, smoke);
  const n = cluster.hosts.length;
  const lists = shares(source, n).map((files, i) => {
    const f = join(work, `share${i}`);
    writeFileSync(f, `${files.join('\n')}\n`);
    return f;
  });
  const copy = join(work, 'copy');
  const cleanRemote = (name: string) => () => {
    for (const h of cluster.hosts) rmSync(join(h.home, name), { recursive: true, force: true });
  };
  const script = (lines: string[]) => {
    const f = join(work, `peer-${randomBytes(3).toString('hex')}.sh`);
    writeFileSync(f, `#!/bin/bash\n${lines.join('\n')}\nwait\n`);
    return f;
  };
  const ssh = `ssh -F ${peer.sshConfigCurve}`;
  const tar = script(peer.aliases.map((a, i) => `(cd ${source} && tar cf - -T ${lists[i]} | ${ssh} ${a} 'mkdir -p tarfloor && tar xf - -C tarfloor') &`));
  const rsync = script(
    peer.aliases.map(
      (a, i) =>
        `(cd ${source} && md5sum $(cat ${lists[i]}) > ${work}/sums${i} && rsync -a --files-from=${lists[i]} -e "${ssh}" ./ ${a}:rsynced/ && ` +
        `rsync -a -e "${ssh}" ${work}/sums${i} ${a}:rsynced/.sums && ${ssh} ${a} 'cd rsynced && md5sum --quiet -c .sums') &`,
    ),
  );
  return [
    {
      name: 'director data (verified)',
      prepare: () => {
        cleanRemote('director')();
        rmSync(copy, { recursive: true, force: true });
        cpSync(source, copy, { recursive: true });
        rmSync(join(copy, '.complete'));
        rmSync(join(work, '.director'), { recursive: true, force: true });
      },
      run: () => measure(DIRECTOR, [...directorArgs(cluster), '-p', String(n), 'data', copy, 'bench'], { cwd: work }),
      check: () => {
        const left = execFileSync('ls', ['-A', copy], { encoding: 'utf8' }).trim();
        if (left !== '') throw new Error(`director data left files behind: ${left.slice(0, 200)}`);
      },
    },
    { name: 'tar | ssh tar x (unverified floor)', prepare: cleanRemote('tarfloor'), run: () => measure('bash', [tar]) },
    { name: 'rsync --files-from + md5sum -c', prepare: cleanRemote('rsynced'), run: () => measure('bash', [rsync]) },
  ];
}

function runScenario(cluster: Cluster, peer: PeerConfig, work: string): Contender[] {
  const n = cluster.hosts.length;
  const script = join(work, 'print1mb.sh');
  writeFileSync(script, '#!/bin/sh\n# 1 MB of output: 16384 lines of 64 bytes\nyes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abc | head -n 16384\n');
  const outDir = join(work, 'out');
  return [
    {
      name: 'director run',
      prepare: () => rmSync(outDir, { recursive: true, force: true }),
      run: () => measure(DIRECTOR, [...directorArgs(cluster), '-p', String(n), 'run', '-q', '--output', outDir, script], { cwd: work }),
    },
    {
      name: 'parallel-ssh -o (curve25519)',
      prepare: () => rmSync(outDir, { recursive: true, force: true }),
      run: () => measure('parallel-ssh', ['-h', peer.hostsFile, '-p', String(n), '-t', '0', '-x', `-F ${peer.sshConfigCurve}`, '-o', outDir, '-I', 'sh', '-s'], { stdin: script }),
    },
  ];
}

function versions(): string[] {
  const v = (cmd: string, args: string[], re: RegExp = /.*/) => {
    try {
      const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || '';
      return (re.exec(out)?.[0] ?? out).trim().split('\n')[0] ?? '';
    } catch (e) {
      const err = e as { stderr?: string };
      return (err.stderr ?? 'not found').trim().split('\n')[0] ?? '';
    }
  };
  const pkg = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return [
    `node ${process.version}, director ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}, ssh2 ${pkg('ssh2')}`,
    `${execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || v('sh', ['-c', 'ssh -V 2>&1'])}`.trim(),
    `parallel-ssh ${v('parallel-ssh', ['--version'])}, ${v('pdsh', ['-V'])}, ${v('clush', ['--version'])}, ${v('rsync', ['--version'])}`,
  ];
}

function table(rows: Row[]): string {
  const lines = ['| scenario | tool | median wall (s) | director ÷ tool | median CPU (s) | peak RSS (MB) | failed runs |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    lines.push(`| ${r.scenario} | ${r.tool.replace(/\|/g, '\\|')}${r.tasks !== undefined ? ` (${r.tasks} tasks)` : ''} | ${r.wall.toFixed(3)} | ${r.ratio === undefined ? '—' : r.ratio.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMb.toFixed(0)} | ${r.failures} |`);
  }
  return lines.join('\n');
}

/** Warm fan-out through a keeper against the peers, then director shell's line latency. */
async function keptScenarios(cluster: Cluster, peer: PeerConfig, k: KeptContext, dir: string, n: number, o: Options, notes: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const cm = controlMasterConfig(peer, dir);
  const keeper = connectKeeper(k, ['-p', String(n)]);
  try {
    const cpu0 = cpuSeconds(keeper);
    const warm = await compare(`warm fan-out, ${n} clients`, warmContenders(k, peer, cm.config, n), o);
    rows.push(...warm);
    notes.push(keeperCpuNote(n, cpuSeconds(keeper) - cpu0, o.smoke ? 1 : o.runs + 1));
    const [, cold, master] = warm;
    if (cold?.ratio !== undefined && master?.ratio !== undefined) {
      notes.push(`warm fan-out, ${n} clients: director through a keeper takes ${cold.ratio.toFixed(2)}× parallel-ssh cold (target ≤ 0.15) and ${master.ratio.toFixed(2)}× parallel-ssh over ControlMaster (target ≤ 0.5).`);
    }
  } finally {
    cm.close();
    disconnectKeeper(k);
  }
  const count = o.smoke ? 3 : 30;
  const many = await shellLines(k, cluster, n, count);
  const one = await shellLines(k, cluster, 1, count, cluster.hosts[0]!.name);
  rows.push(latencyRow(`shell line \`true\`, ${n} clients`, 'director shell (median line)', many));
  rows.push(latencyRow('shell line `true`, 1 client', 'director shell (median line)', one));
  const ms = (s: number) => (s * 1000).toFixed(1);
  const sorted = [...many.latencies].sort((a, b) => a - b);
  const perClient = many.serverCpuPerLine / n;
  notes.push(
    `shell: median line ${ms(median(many.latencies))} ms on ${n} clients (p90 ${ms(sorted[Math.floor(sorted.length * 0.9)] ?? 0)} ms; target ≤ 60 ms), ` +
      `${ms(median(one.latencies))} ms on one client (a request into its resident shell, the login shell kept running, which forks a subshell for the line; no SSH session). ` +
      `The servers spent ${ms(perClient)} ms of CPU per client per line (sshd relaying, the resident shell's fork, from /proc), the shell ${ms(many.shellCpuPerLine / n)} ms per client: ` +
      `${n} clients are ${ms(many.serverCpuPerLine)} CPU-ms of server work per line, so on ${cpus().length} shared cores a line cannot take less than ~${ms(many.serverCpuPerLine / cpus().length)} ms here.`,
  );
  const pool = new SessionPool();
  const raw = { clients: cluster.clientsConf, identity: cluster.identity, knownHosts: cluster.knownHosts, hostKeyChecking: 'strict', parallel: String(n) };
  const fleet = new ActionContext(raw, new AbortController().signal, { ...processCaller().io, pool }).fleet();
  notes.push(await channelFloor(cluster, fleet, pool, o.smoke ? 2 : 20));
  return rows;
}

/** The keeper holding every client of the scale cluster: its memory, and its CPU per command per client. */
async function keeperAtScale(cluster: Cluster, n: number, work: string): Promise<string> {
  const k: KeptContext = { director: DIRECTOR, args: [...directorArgs(cluster), '-p', String(n)], env: { ...process.env, XDG_RUNTIME_DIR: mkdtempSync(join(work, 'run-')) } };
  const keeper = connectKeeper(k);
  try {
    const cpu0 = cpuSeconds(keeper);
    for (let i = 0; i < 3; i++) await measure(DIRECTOR, [...k.args, 'exec', '--', 'true'], { env: k.env });
    const cpu = cpuSeconds(keeper) - cpu0;
    const mem = memoryMb(keeper);
    return `keeper with ${n} clients: RSS ${mem.rss.toFixed(0)} MB, peak ${mem.peak.toFixed(0)} MB (target ≤ 150 MB); ${((cpu / (3 * n)) * 1000).toFixed(2)} ms of CPU per command per client.`;
  } finally {
    disconnectKeeper(k);
  }
}

/** The jobs scenarios (bench/jobs.ts): long, so one warm-up and at most two counted rounds. */
async function jobsRows(b: JobsBench, o: Options, notes: string[]): Promise<Row[]> {
  const rounds = { ...o, runs: Math.min(o.runs, 2) };
  const n = b.cluster.hosts.length;
  const trivial = await compare(`jobs: trivial tasks, ${n} clients`, trivialScenario(b).contenders, rounds);
  const wc = await compare(`jobs: wc -l where the data lies, ${n} clients`, wcScenario(b).contenders, rounds);
  const tasks = b.smoke ? 1000 : 100_000;
  const peak = await queuedPeak(b, tasks, b.smoke ? 3 : 8);
  const queued: Row = { scenario: `jobs: ${tasks} tasks queued (stopped by SIGINT)`, tool: 'director jobs run', wall: peak.wallS, cpu: peak.cpuS, rssMb: peak.maxRssKb / 1024, failures: peak.code === 0 ? 0 : 1 };
  const rate = (r: Row) => (r.tasks ?? 0) / r.wall;
  const mine = trivial[0] as Row;
  notes.push(
    `jobs, trivial tasks: director ${rate(mine).toFixed(0)} tasks/s, client CPU ${((mine.cpu / (mine.tasks ?? 1)) * 1000).toFixed(2)} ms per task (target ≤ 1 ms); ` +
      trivial
        .slice(1)
        .map((r) => `${r.tool} ${rate(r).toFixed(1)} tasks/s (director ${(rate(mine) / rate(r)).toFixed(1)}×)`)
        .join('; ') +
      '.',
  );
  const [dm, pm] = wc;
  if (dm && pm) notes.push(`jobs, wc -l where the data lies: director ${dm.wall.toFixed(2)} s, GNU parallel per host with ControlMaster ${pm.wall.toFixed(2)} s: director's wall ${(dm.wall / pm.wall).toFixed(2)}× (target ≤ 0.5×).`);
  notes.push(`jobs, ${tasks} tasks queued: peak RSS ${queued.rssMb.toFixed(0)} MB (target ≤ 150 MB).`);
  return [...trivial, ...wc, queued];
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const want = (s: string) => !o.only || o.only.has(s);
  const work = mkdtempSync('/var/tmp/director-bench-');
  const rows: Row[] = [];
  const notes: string[] = [];
  const help = execFileSync(DIRECTOR, ['--help'], { encoding: 'utf8' });
  const hasRun = help.includes('\n  run ');
  const hasJobs = help.includes('\n  jobs ');
  const started = new Date();
  let cluster: Cluster | undefined;
  const stop = () => {
    if (cluster) killCluster(cluster);
  };
  process.on('exit', stop);
  try {
    for (const n of o.sizes) {
      cluster = await Cluster.start({ dir: join(work, `c${n}`), count: n, net: 120 });
      const peer = writePeerConfig(cluster, join(work, `c${n}`));
      if (want('fanout') && hasRun) rows.push(...(await compare(`fan-out, ${n} clients`, fanOut(cluster, peer, n), o)));
      if (n === (o.smoke ? 2 : 64) && want('kept') && hasRun) {
        const dir = join(work, `c${n}`);
        const kept: KeptContext = { director: DIRECTOR, args: directorArgs(cluster), env: { ...process.env, XDG_RUNTIME_DIR: mkdtempSync(join(work, 'run-')) } };
        rows.push(...(await keptScenarios(cluster, peer, kept, dir, n, o, notes)));
      }
      if (n === (o.smoke ? 2 : 8)) {
        if (want('data')) rows.push(...(await compare(`data, ${n} clients`, dataScenario(cluster, peer, work, o.smoke), o)));
        if (want('run') && hasRun) rows.push(...(await compare(`run, 1 MB out per client, ${n} clients`, runScenario(cluster, peer, work), o)));
        if (want('jobs') && hasJobs) rows.push(...(await jobsRows({ director: DIRECTOR, directorArgs: directorArgs(cluster), cluster, peer, work, smoke: o.smoke }, o, notes)));
      }
      await cluster.stop();
      cluster = undefined;
    }
    if (want('transfer') || want('sync')) {
      // copy, sync and gather on 16 clients (2 in the smoke run); `--only sync`: the sync scenario alone.
      const tn = o.smoke ? 2 : 16;
      const dir = join(work, `t${tn}`);
      cluster = await Cluster.start({ dir, count: tn, net: 120 });
      const peer = writePeerConfig(cluster, dir);
      const tw = join(work, 'transfer');
      mkdirSync(tw, { recursive: true });
      const on = cluster;
      const k: KeptContext = { director: DIRECTOR, args: [...directorArgs(on), '-p', String(tn)], env: { ...process.env, XDG_RUNTIME_DIR: mkdtempSync(join(work, 'run-')) } };
      let kept = false;
      const cm = controlMasterConfig(peer, dir);
      const directors = {
        cold: (args: string[]) => measure(DIRECTOR, [...k.args, '--no-keeper', ...args], { cwd: tw }),
        warm: (args: string[]) => {
          if (!kept) connectKeeper(k);
          kept = true;
          return measure(DIRECTOR, [...k.args, ...args], { cwd: tw, env: k.env });
        },
        cm: cm.config,
      };
      try {
        for (const s of transferScenarios(on, peer, tw, o.smoke, directors)) {
          if (want('transfer') || s.name.startsWith('sync')) rows.push(...(await compare(s.name, s.contenders, o)));
        }
      } finally {
        if (kept) disconnectKeeper(k);
        cm.close();
      }
      const wall = (tool: string) => rows.find((r) => r.scenario.startsWith('sync an unchanged tree') && r.tool === tool)?.wall;
      const warmSync = wall('director sync (keeper, warm)');
      const prsync = wall('parallel-rsync -a');
      const prsyncCm = wall('parallel-rsync -a (ControlMaster warm)');
      if (warmSync && prsync && prsyncCm) {
        notes.push(`sync of an unchanged tree, warm: director through a keeper takes ${(warmSync / prsync).toFixed(2)}× parallel-rsync (cold) and ${(warmSync / prsyncCm).toFixed(2)}× parallel-rsync over ControlMaster (target ≤ 0.5× parallel-rsync).`);
      }
      await cluster.stop();
      cluster = undefined;
    }
    if (o.scale && want('scale') && hasRun) {
      try {
        cluster = await Cluster.start({ dir: join(work, 'scale'), count: o.scale, net: 120 });
        const r = await compare(`fan-out, ${o.scale} clients`, [{ name: 'director', run: () => measure(DIRECTOR, [...directorArgs(cluster!), '-p', String(o.scale), 'exec', '--', 'true']) }], o);
        rows.push(...r);
        if (want('kept')) notes.push(await keeperAtScale(cluster, o.scale, work));
        const at64 = rows.find((x) => x.scenario === 'fan-out, 64 clients' && x.tool === 'director');
        if (at64) notes.push(`scale: ${o.scale} clients took ${(r[0]!.wall / at64.wall).toFixed(2)}× the 64-client time (target ≤ 4.2×), ${r[0]!.failures} failed runs.`);
      } catch (e) {
        notes.push(`scale: could not start ${o.scale} hosts here: ${(e as Error).message}`);
      }
    }
    const helpRows = await compare('director --help start', [{ name: 'director --help', run: () => measure(DIRECTOR, ['--help']) }], { ...o, runs: o.smoke ? 1 : 10 });
    rows.push(...helpRows);
  } finally {
    stop();
    rmSync(work, { recursive: true, force: true });
  }
  for (const r of rows.filter((x) => x.tool === 'director' && x.scenario.startsWith('fan-out'))) {
    const n = Number(/(\d+) clients/.exec(r.scenario)?.[1] ?? 1);
    notes.push(`${r.scenario}: director client CPU ${((r.cpu / n) * 1000).toFixed(1)} ms per client, peak RSS ${r.rssMb.toFixed(0)} MB.`);
  }
  const doc = [
    '# director benchmarks',
    '',
    `${o.smoke ? 'SMOKE RUN (2 clients, 1 round): not a measurement. ' : ''}Run ${started.toISOString()} by \`npm run bench\`` +
      ` on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB.` +
      ` Contenders alternate (A B A B …); ${o.smoke ? 1 : o.runs} counted rounds after a warm-up; medians.` +
      ' Every host is a real sshd on 127.0.x.y on this same machine, so the clients and the servers share its cores.',
    '',
    'Key exchange: director (ssh2) negotiates curve25519-sha256. The peers run once on OpenSSH\'s default' +
      ' (sntrup761x25519-sha512, post-quantum, costly) and once with `KexAlgorithms=curve25519-sha256`.',
    '',
    table(rows),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    ...(existsSync(join(ROOT, 'bench/NOTES.md')) ? [readFileSync(join(ROOT, 'bench/NOTES.md'), 'utf8').trim(), ''] : []),
    'Versions:',
    ...versions().map((v) => `- ${v}`),
    '',
  ].join('\n');
  writeFileSync(o.out, doc);
  process.stdout.write(`${doc}\nwritten to ${o.out}\n`);
}

await main();
