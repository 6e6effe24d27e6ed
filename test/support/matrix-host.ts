// One host of the matrix: its files (host key, server config, the user's per-test home with
// authorized_keys and whatever the kind puts there) and its server process. Each server runs
// in the foreground in a mount namespace of its own, where the per-test home is bound over
// the user's passwd home and a per-host folder over /tmp, so the server's pid is the
// listener to count processes by and its namespace holds everything a login starts.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519Pair, SSHD } from '../../src/sandbox/cluster.js';
import { BUSYBOX, BUSYBOX_FIRST, CHATTY_LINE, KINDS, type KindSpec, type MatrixKind, type ServerType } from './matrix-kinds.js';
import { ensureUser, type MatrixUser } from './matrix-users.js';

export const DROPBEAR = '/usr/sbin/dropbear';
/** Debian's sftp-server, as its stock sshd_config names it (run through the login shell). */
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

export interface MatrixHost {
  /** 0-based, in the order the kinds were asked for. */
  index: number;
  kind: MatrixKind;
  server: ServerType;
  user: string;
  /** The login shell's path, and the name `ps -o comm=` shows for it. */
  shell: string;
  shellName: string;
  sftp: boolean;
  address: string;
  port: number;
  /** As written in clients.conf: `dtest-dash@127.0.200.2:2901`. */
  name: string;
  /** The user's home as the host sees it (its passwd home). */
  homeInHost: string;
  /** The per-test home bound over it, seen from the director. */
  home: string;
  /** The host's /tmp, seen from the director. */
  tmp: string;
  /** Host files: keys, config, log (outside anything bound over inside the host). */
  dir: string;
  logFile: string;
  hostKeyPublic: string;
}

/** Lays out one host's files under `dir`; the server is not started yet. */
export function prepareHost(dir: string, index: number, kind: MatrixKind, address: string, port: number, clientKey: string): MatrixHost {
  const spec = KINDS[kind];
  const user = ensureUser(spec);
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  for (const d of [home, join(home, '.ssh'), tmp]) mkdirSync(d, { recursive: true });
  const host: MatrixHost = {
    index,
    kind,
    server: spec.server,
    user: spec.user,
    shell: spec.shell,
    shellName: spec.shellName,
    sftp: spec.sftp,
    address,
    port,
    name: clientName(spec.user, address, port),
    homeInHost: user.home,
    home,
    tmp,
    dir,
    logFile: join(dir, 'server.log'),
    hostKeyPublic: spec.server === 'dropbear' ? dropbearHostKey(dir) : opensshHostKey(dir, `matrix-${index + 1}-${kind}`),
  };
  writeHome(host, spec, user, clientKey);
  return host;
}

function clientName(user: string, address: string, port: number): string {
  return `${user}@${address}:${port}`;
}

/** Moves a host not yet started (or written to clients.conf) to another port. */
export function movePort(h: MatrixHost, port: number): void {
  h.port = port;
  h.name = clientName(h.user, h.address, port);
}

function opensshHostKey(dir: string, comment: string): string {
  const key = ed25519Pair(comment);
  writeFileSync(join(dir, 'ssh_host_ed25519_key'), key.private, { mode: 0o600 });
  return key.public;
}

function dropbearHostKey(dir: string): string {
  const file = join(dir, 'dropbear_ed25519_host_key');
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', file], { stdio: 'ignore' });
  const printed = execFileSync('dropbearkey', ['-y', '-f', file], { encoding: 'utf8' });
  const line = printed.split('\n').find((l) => l.startsWith('ssh-ed25519 '));
  if (line === undefined) throw new Error(`dropbearkey -y printed no public key: ${printed}`);
  return line.trim();
}

/**
 * The per-test home, owned by the user with the modes strict servers insist on: dropbear
 * (and OpenSSH's StrictModes) refuse keys in a home or ~/.ssh others can write.
 */
function writeHome(host: MatrixHost, spec: KindSpec, user: MatrixUser, clientKey: string): void {
  const ssh = join(host.home, '.ssh');
  writeFileSync(join(ssh, 'authorized_keys'), `${clientKey}\n`, { mode: 0o600 });
  if (spec.busyboxFirst) {
    const bin = join(host.dir, 'busybox-first');
    mkdirSync(bin, { mode: 0o755 });
    for (const applet of BUSYBOX_FIRST) symlinkSync(BUSYBOX, join(bin, applet));
    // Read by sshd before the shell starts (PermitUserEnvironment), login shell or not.
    writeFileSync(join(ssh, 'environment'), `PATH=${bin}:/usr/local/bin:/usr/bin:/bin\n`, { mode: 0o600 });
  }
  if (spec.chatty) {
    // Debian's bash reads ~/.bashrc for a command sshd runs, so non-interactive logins print too.
    writeFileSync(join(host.home, '.bashrc'), `echo "${CHATTY_LINE} (.bashrc)"\n`);
    writeFileSync(join(host.home, '.profile'), `echo "${CHATTY_LINE} (.profile)"\n. "$HOME/.bashrc"\n`);
  }
  for (const entry of [host.home, ...readdirSync(host.home, { recursive: true }).map((rel) => join(host.home, String(rel)))]) {
    chownSync(entry, user.uid, user.gid);
  }
  chownSync(host.tmp, 0, 0);
  chmodSync(host.home, 0o755);
  chmodSync(ssh, 0o700);
  chmodSync(host.tmp, 0o1777);
}

function sshdConfig(h: MatrixHost, spec: KindSpec): string {
  return [
    `ListenAddress ${h.address}:${h.port}`,
    `HostKey ${join(h.dir, 'ssh_host_ed25519_key')}`,
    'PidFile none',
    `AllowUsers ${h.user}`,
    'UsePAM no',
    'StrictModes yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    ...(spec.sftp ? [`Subsystem sftp ${SFTP_SERVER}`] : []),
    ...(spec.busyboxFirst ? ['PermitUserEnvironment PATH'] : []),
    'MaxStartups 200:30:400',
    'MaxSessions 20',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/** The server's own command line, in the foreground so its pid is the listener's. */
function serverCommand(h: MatrixHost): string[] {
  if (h.server === 'openssh') return [SSHD, '-D', '-f', join(h.dir, 'sshd_config'), '-E', h.logFile];
  // -s: keys only; -w: no root; -P: not the system's /var/run/dropbear.pid.
  return [DROPBEAR, '-F', '-E', '-s', '-w', '-p', `${h.address}:${h.port}`, '-r', join(h.dir, 'dropbear_ed25519_host_key'), '-P', join(h.dir, 'dropbear.pid')];
}

/**
 * Starts the host's server in a new mount namespace; returns its pid (unshare and sh exec
 * into it). Detached and unreferenced: Ctrl-C reaches the test process only, whose exit
 * hook stops the servers, and a live server does not keep the test process running.
 */
export function launchHost(h: MatrixHost): number {
  if (h.server === 'openssh') writeFileSync(join(h.dir, 'sshd_config'), sshdConfig(h, KINDS[h.kind]));
  const log = openSync(h.logFile, 'a');
  try {
    const child = spawn(
      'unshare',
      ['-m', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$2" && mount --bind "$3" /tmp && shift 3 && exec "$@"', 'sh', h.home, h.homeInHost, h.tmp, ...serverCommand(h)],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${h.server} for ${h.name}`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** How long the server's log is now: what a start writes comes after this. */
export function logSize(h: MatrixHost): number {
  try {
    return statSync(h.logFile).size;
  } catch {
    return 0;
  }
}

/** What the server logged since `from` (logSize before the start), on one line. */
export function logSince(h: MatrixHost, from: number): string {
  try {
    return readFileSync(h.logFile).subarray(from).toString('utf8').trim().split('\n').join(' | ');
  } catch {
    return '';
  }
}
