// The matrix's login users: real accounts made with useradd, one per kind, kept between runs
// and made again only when missing or changed. Their passwd home is a fixed, empty folder
// that each host's mount namespace covers with a per-test home, so a run never writes to it
// and two runs (or two hosts of one kind) never share files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUSYBOX, BUSYBOX_ASH, type KindSpec } from './matrix-kinds.js';

export interface MatrixUser {
  name: string;
  uid: number;
  gid: number;
  /** The home in /etc/passwd: where each host binds its own per-test home. */
  home: string;
}

/** `useradd` exits 9 when the name is taken: another run made the user meanwhile. */
const USERADD_NAME_IN_USE = 9;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** getent's colon-separated fields, or undefined when there is no such entry. */
function getent(db: 'passwd' | 'shadow', name: string): string[] | undefined {
  try {
    return run('getent', [db, name]).trim().split(':');
  } catch {
    return undefined;
  }
}

function ensureAshLink(): void {
  if (existsSync(BUSYBOX_ASH) && readlinkSync(BUSYBOX_ASH) === BUSYBOX) return;
  mkdirSync(dirname(BUSYBOX_ASH), { recursive: true, mode: 0o755 });
  try {
    symlinkSync(BUSYBOX, BUSYBOX_ASH);
  } catch (e) {
    // Another run made it between the check and here; anything else is a real failure.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** The kind's user, made or repaired to match: shell, home, key-only login. Needs root. */
export function ensureUser(spec: KindSpec): MatrixUser {
  if (spec.shell === BUSYBOX_ASH) ensureAshLink();
  const home = `/home/${spec.user}`;
  let entry = getent('passwd', spec.user);
  if (entry === undefined) {
    try {
      // -M: no skeleton files; the per-test home is made by the harness. -p '*': with
      // `UsePAM no` OpenSSH refuses an account whose password is locked ("!"), and "*"
      // matches no password, so only keys log in.
      run('useradd', ['-M', '-d', home, '-s', spec.shell, '-p', '*', '-c', 'director test matrix', spec.user]);
    } catch (e) {
      if ((e as { status?: number }).status !== USERADD_NAME_IN_USE) throw e;
    }
    entry = getent('passwd', spec.user);
    if (entry === undefined) throw new Error(`useradd ${spec.user}: no passwd entry afterwards`);
  }
  if (entry[5] !== home || entry[6] !== spec.shell || getent('shadow', spec.user)?.[1] !== '*') {
    run('usermod', ['-d', home, '-s', spec.shell, '-p', '*', spec.user]);
  }
  // The mount point of the per-test homes; nothing is ever written to it.
  mkdirSync(home, { recursive: true, mode: 0o755 });
  return { name: spec.user, uid: Number(entry[2]), gid: Number(entry[3]), home };
}
