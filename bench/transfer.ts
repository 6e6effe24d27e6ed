// copy, sync and gather side by side with parallel-scp / parallel-rsync / parallel-slurp
// (Debian's pssh), clush --copy / --rcopy and one rsync per host in parallel, on one sandbox
// cluster. The peers run on curve25519 (what director's ssh2 negotiates) and verify nothing;
// director verifies every file by md5 on both ends.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../src/sandbox/cluster.js';
import type { PeerConfig } from './cluster-config.js';
import { measure } from './measure.js';

export interface Contender {
  name: string;
  prepare?: () => void;
  run: () => ReturnType<typeof measure>;
  check?: () => void;
}

export interface Scenario {
  name: string;
  contenders: Contender[];
}

/** The hosts see their home at the login's home (each host's own folder is bound over it). */
const HOME_IN_HOST = process.env['HOME'] ?? '/root';

function sizes(smoke: boolean) {
  return smoke ? { big: 2 << 20, files: 50, fileSize: 10_000 } : { big: 200 << 20, files: 2000, fileSize: 10_000 };
}

/** One big file and a tree of many small ones (in 20 folders), made once per work folder. */
function makeSources(work: string, smoke: boolean): { big: string; tree: string } {
  const s = sizes(smoke);
  const big = join(work, 'big.bin');
  const tree = join(work, 'tree');
  if (!existsSync(join(work, '.sources-complete'))) {
    execFileSync('sh', ['-c', `head -c ${s.big} /dev/urandom > "$1"`, 'sh', big]);
    for (let i = 0; i < s.files; i++) {
      const dir = join(tree, `d${i % 20}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `f${i}.dat`), execFileSync('head', ['-c', String(s.fileSize), '/dev/urandom']));
    }
    writeFileSync(join(work, '.sources-complete'), '');
  }
  return { big, tree };
}

/**
 * `director` runs a command cold (its own connections); `warm`, through a keeper started at its
 * first use (kept connections, as `director connect` leaves them), with `cm`, an ssh_config whose
 * connections stay behind OpenSSH's ControlMaster: the fair anchor for a warm command.
 */
export interface Directors {
  cold: (args: string[]) => ReturnType<typeof measure>;
  warm: (args: string[]) => ReturnType<typeof measure>;
  cm: string;
}

export function transferScenarios(cluster: Cluster, peer: PeerConfig, work: string, smoke: boolean, d: Directors): Scenario[] {
  const director = d.cold;
  const n = cluster.hosts.length;
  const { big, tree } = makeSources(work, smoke);
  const ssh = `ssh -F ${peer.sshConfigCurve}`;
  const clean = (name: string) => () => {
    for (const h of cluster.hosts) rmSync(join(h.home, name), { recursive: true, force: true });
  };
  const script = (name: string, lines: string[]) => {
    const f = join(work, `${name}.sh`);
    writeFileSync(f, `#!/bin/bash\n${lines.join('\n')}\nwait\n`);
    return () => measure('bash', [f]);
  };
  const perHost = (line: (alias: string) => string) => peer.aliases.map((a) => `(${line(a)}) &`);
  const sizeOn = (rel: string, want: number) => () => {
    for (const h of cluster.hosts) {
      const got = statSync(join(h.home, rel), { throwIfNoEntry: false })?.size;
      if (got !== want) throw new Error(`${rel} on ${h.name}: ${got} bytes, not ${want}`);
    }
  };
  const filesOn = (rel: string) => () => {
    const count = Number(execFileSync('sh', ['-c', 'find "$1" -type f | wc -l', 'sh', join(cluster.hosts[n - 1]!.home, rel)], { encoding: 'utf8' }).trim());
    if (count !== sizes(smoke).files) throw new Error(`${rel}: ${count} files on the last host`);
  };
  const pssh = ['-h', peer.hostsFile, '-p', String(n), '-t', '0'];
  const clush = ['-f', String(n), '-w', peer.aliases.join(','), '-o', `-F ${peer.sshConfigCurve}`];
  const bigSize = statSync(big).size;

  const copyBig: Scenario = {
    name: `copy 1 × ${(bigSize / 2 ** 20).toFixed(0)} MB, ${n} clients`,
    contenders: [
      { name: 'director copy (verified)', prepare: clean('d_big'), run: () => director(['copy', big, '~/d_big']), check: sizeOn('d_big/big.bin', bigSize) },
      { name: 'parallel-scp', prepare: clean('p_big.bin'), run: () => measure('parallel-scp', [...pssh, '-x', `-F ${peer.sshConfigCurve}`, big, `${HOME_IN_HOST}/p_big.bin`]), check: sizeOn('p_big.bin', bigSize) },
      { name: 'clush --copy', prepare: clean('c_big.bin'), run: () => measure('clush', [...clush, '--copy', big, '--dest', `${HOME_IN_HOST}/c_big.bin`]), check: sizeOn('c_big.bin', bigSize) },
      { name: 'rsync per host (parallel)', prepare: clean('r_big.bin'), run: script('rsync-big', perHost((a) => `rsync -e "${ssh}" ${big} ${a}:r_big.bin`)), check: sizeOn('r_big.bin', bigSize) },
    ],
  };
  const copyTree: Scenario = {
    name: `copy a tree of ${sizes(smoke).files} files, ${n} clients`,
    contenders: [
      { name: 'director copy (verified)', prepare: clean('d_tree'), run: () => director(['copy', tree, '~/d_tree']), check: filesOn('d_tree/tree') },
      { name: 'parallel-scp -r', prepare: clean('p_tree'), run: () => measure('parallel-scp', [...pssh, '-r', '-x', `-F ${peer.sshConfigCurve}`, tree, `${HOME_IN_HOST}/p_tree`]), check: filesOn('p_tree') },
      { name: 'clush --copy', prepare: clean('c_tree'), run: () => measure('clush', [...clush, '--copy', tree, '--dest', `${HOME_IN_HOST}/c_tree`]), check: filesOn('c_tree') },
      { name: 'rsync -a per host (parallel)', prepare: clean('r_tree'), run: script('rsync-tree', perHost((a) => `rsync -a -e "${ssh}" ${tree}/ ${a}:r_tree/`)), check: filesOn('r_tree') },
    ],
  };
  // The tree in every host's home, to gather back; and in sync with the local tree, for sync.
  for (const h of cluster.hosts) {
    cpSync(tree, join(h.home, 'g_tree'), { recursive: true, preserveTimestamps: true });
    cpSync(tree, join(h.home, 's_tree'), { recursive: true, preserveTimestamps: true });
    cpSync(tree, join(h.home, 'pr_tree'), { recursive: true, preserveTimestamps: true });
  }
  const out = join(work, 'gathered');
  const gatheredHere = () => {
    const count = Number(execFileSync('sh', ['-c', 'find "$1" -type f | wc -l', 'sh', out], { encoding: 'utf8' }).trim());
    if (count !== n * sizes(smoke).files) throw new Error(`gathered ${count} files, not ${n * sizes(smoke).files}`);
  };
  const cleanOut = () => rmSync(out, { recursive: true, force: true });
  const gather: Scenario = {
    name: `gather ${n} × ${sizes(smoke).files} files`,
    contenders: [
      { name: 'director gather (verified)', prepare: cleanOut, run: () => director(['gather', '~/g_tree', out]), check: gatheredHere },
      {
        name: 'parallel-slurp -r',
        prepare: () => (cleanOut(), mkdirSync(out, { recursive: true })),
        run: () => measure('parallel-slurp', [...pssh, '-r', '-x', `-F ${peer.sshConfigCurve}`, '-L', out, `${HOME_IN_HOST}/g_tree`, 'g_tree']),
        check: gatheredHere,
      },
      {
        name: 'clush --rcopy',
        prepare: () => (cleanOut(), mkdirSync(out, { recursive: true })),
        run: () => measure('clush', [...clush, '--rcopy', `${HOME_IN_HOST}/g_tree`, '--dest', out]),
        check: gatheredHere,
      },
      {
        name: 'rsync -a per host (parallel)',
        prepare: cleanOut,
        run: script('rsync-gather', perHost((a) => `mkdir -p ${out}/${a} && rsync -a -e "${ssh}" ${a}:g_tree/ ${out}/${a}/`)),
        check: gatheredHere,
      },
    ],
  };
  const unchanged: Scenario = {
    name: `sync an unchanged tree of ${sizes(smoke).files} files, ${n} clients`,
    contenders: [
      { name: 'director sync', run: () => director(['sync', tree, '~/s_tree']) },
      { name: 'parallel-rsync -a', run: () => measure('parallel-rsync', [...pssh, '-a', '-S', `-F ${peer.sshConfigCurve}`, `${tree}/`, `${HOME_IN_HOST}/pr_tree/`]) },
      // Warm: director through a keeper, parallel-rsync over ControlMaster (warm after the uncounted first round).
      { name: 'director sync (keeper, warm)', run: () => d.warm(['sync', tree, '~/s_tree']) },
      { name: 'parallel-rsync -a (ControlMaster warm)', run: () => measure('parallel-rsync', [...pssh, '-a', '-S', `-F ${d.cm}`, `${tree}/`, `${HOME_IN_HOST}/pr_tree/`]) },
      { name: 'rsync -a per host (parallel)', run: script('rsync-sync', perHost((a) => `rsync -a -e "${ssh}" ${tree}/ ${a}:pr_tree/`)) },
    ],
  };
  return [copyBig, copyTree, gather, unchanged];
}
