// The kinds of remote the matrix can start (test/support/matrix.ts): what a real cluster's
// nodes differ in that director must survive. One table, so a test can loop over it and
// the harness builds each host from its row alone.

export type ServerType = 'openssh' | 'dropbear';

export type MatrixKind =
  | 'bash'
  | 'dash'
  | 'zsh'
  | 'ash'
  | 'fish'
  | 'tcsh'
  | 'dropbear'
  | 'busybox-path'
  | 'chatty'
  | 'no-sftp';

/**
 * busybox's ash as a login shell. A login shell is one path, no arguments, and busybox picks
 * its applet by the name it was called by, so a symlink named `ash` stands for `busybox ash`.
 * It lives in a fixed place (not per run): the test users' passwd entries point at it.
 */
export const BUSYBOX_ASH = '/usr/local/libexec/director-matrix/ash';
export const BUSYBOX = '/bin/busybox';

/** The applets the busybox-path host finds first on PATH: what data and run lean on. */
export const BUSYBOX_FIRST = ['tar', 'md5sum', 'xargs', 'mktemp'] as const;

/** The line the chatty host's rc files print on every login, prefixed by which file. */
export const CHATTY_LINE = 'welcome to a chatty node';

export interface KindSpec {
  /** The test user's name: one user per kind, shared by every run and test (reusable). */
  user: string;
  /** The login shell's path, as in /etc/passwd. */
  shell: string;
  /** What `ps -o comm=` and `echo $0` show for that shell on the host. */
  shellName: string;
  server: ServerType;
  /** Does the login shell understand POSIX sh (what director's remote text is written in)? */
  posix: boolean;
  /** Is there an SFTP subsystem? */
  sftp: boolean;
  /** PATH starts with a folder of busybox applets (BUSYBOX_FIRST). */
  busyboxFirst: boolean;
  /** ~/.bashrc and ~/.profile print CHATTY_LINE on every login. */
  chatty: boolean;
}

const plain = { server: 'openssh', posix: true, sftp: true, busyboxFirst: false, chatty: false } as const;

export const KINDS: Readonly<Record<MatrixKind, KindSpec>> = {
  bash: { ...plain, user: 'dtest-bash', shell: '/bin/bash', shellName: 'bash' },
  dash: { ...plain, user: 'dtest-dash', shell: '/bin/dash', shellName: 'dash' },
  zsh: { ...plain, user: 'dtest-zsh', shell: '/bin/zsh', shellName: 'zsh' },
  ash: { ...plain, user: 'dtest-ash', shell: BUSYBOX_ASH, shellName: 'ash' },
  fish: { ...plain, posix: false, user: 'dtest-fish', shell: '/usr/bin/fish', shellName: 'fish' },
  tcsh: { ...plain, posix: false, user: 'dtest-tcsh', shell: '/bin/tcsh', shellName: 'tcsh' },
  dropbear: { ...plain, server: 'dropbear', user: 'dtest-dropbear', shell: '/bin/bash', shellName: 'bash' },
  'busybox-path': { ...plain, busyboxFirst: true, user: 'dtest-bbpath', shell: '/bin/bash', shellName: 'bash' },
  chatty: { ...plain, chatty: true, user: 'dtest-chatty', shell: '/bin/bash', shellName: 'bash' },
  'no-sftp': { ...plain, sftp: false, user: 'dtest-nosftp', shell: '/bin/bash', shellName: 'bash' },
};

export const ALL_KINDS = Object.keys(KINDS) as MatrixKind[];

/** Kinds whose login shell runs POSIX sh text (`director exec` is expected to work there). */
export const POSIX_KINDS = ALL_KINDS.filter((k) => KINDS[k].posix);
