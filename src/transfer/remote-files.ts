// Folders, renames and removals of one client's files for `data`. Renames and removals go over the connection's SFTP channel
// when the server has one that works (many requests in flight on one channel cost about one
// round trip, and leave in one write), otherwise over exec: a server may have no SFTP subsystem, and a login shell
// that prints a banner corrupts SFTP (its text is read as a packet length). Names travel
// NUL-separated on stdin, never through a shell.
import type { SFTPWrapper } from 'ssh2';
import { quote } from '../remote-shell.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answerToken, didNotRun, underSh } from '../remote/posix.js';
import type { Session } from '../ssh/session.js';
import { rename as sftpRename, unlink as sftpUnlink } from '../ssh/sftp.js';
import { nulList } from './md5sum-output.js';

export interface Move {
  from: string;
  to: string;
}

export class RemoteFiles {
  private sftp: Promise<SFTPWrapper | undefined> | undefined;

  constructor(private readonly session: Session) {}

  /** Opens the SFTP channel ahead, while other work goes on (or finds there is none). */
  async prepare(): Promise<void> {
    await this.channel();
  }

  /** Atomic renames that replace their targets; resolves with the reason of each that failed. */
  async renameAll(moves: readonly Move[]): Promise<Map<Move, string>> {
    const failed = new Map<Move, string>();
    if (moves.length === 0) return failed;
    const sftp = await this.channel();
    if (sftp) {
      await Promise.all(this.session.inOneWrite(() => moves.map((m) => sftpRename(sftp, m.from, m.to).catch((e: Error) => failed.set(m, e.message)))));
      return failed;
    }
    const token = answerToken();
    // Each pair: `mv -f` (rename(2) within a folder), and the target printed once it is there.
    const code = `${markCode(token)}\nxargs -0 -n 2 sh -c ${quote('mv -f -- "$1" "$2" && printf "%s\\0" "$2"')} sh`;
    const { result, stdout, stderr } = await this.session.capture(underSh(code), { stdin: nulList(moves.flatMap((m) => [m.from, m.to])) });
    const body = afterMark(stdout, token);
    if (body === undefined) throw new Error(didNotRun(result.code, stderr));
    const moved = new Set(body.split('\0'));
    const why = stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
    for (const m of moves) if (!moved.has(m.to)) failed.set(m, why);
    return failed;
  }

  /**
   * `mkdir -p` every folder (one command, names on stdin), before any batch unpacks: several
   * tars of one client unpacking into a folder that does not exist yet race to create it, and
   * GNU tar gives up on a file whose folder another tar made between its open and its mkdir
   * ("Cannot open: No such file or directory"). Best effort: a folder that cannot be made
   * fails its files at unpacking, with tar's reason.
   */
  async makeFolders(folders: readonly string[]): Promise<void> {
    if (folders.length === 0) return;
    await this.session.capture(underSh('xargs -0 -r mkdir -p --'), { stdin: nulList(folders) }).catch((e: unknown) => {
      if (this.session.isLost) throw e;
    });
  }

  /** Best effort: temporaries that failed verification. */
  async unlinkAll(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const sftp = await this.channel();
    if (sftp) {
      await Promise.all(this.session.inOneWrite(() => paths.map((p) => sftpUnlink(sftp, p).catch(() => undefined))));
      return;
    }
    await this.session.capture(underSh('xargs -0 -r rm -f --'), { stdin: nulList(paths) }).catch(() => undefined);
  }

  /** The SFTP channel, or undefined when the server has none that works (then exec is used). */
  private channel(): Promise<SFTPWrapper | undefined> {
    this.sftp ??= this.session.sftp().catch((e: unknown) => {
      if (this.session.isLost) throw e;
      return undefined;
    });
    return this.sftp;
  }
}
