// Making a remote command killable as a whole. sshd starts each command in a session of its
// own (setsid), so the login shell's pid is the process group of everything the command
// starts. The wrapper prints that pid on stderr behind a marker and then runs the command
// in the same shell, so `kill -KILL -- -<pgid>` on a second channel stops it all. The command
// follows on the same line, not through `eval`: exec's words are the user's shell code and
// must mean what they mean to `ssh host words…`, down to $LINENO and the line numbers in the
// shell's error messages (under eval, bash said "line 3" where ssh says "line 1").
// (The SSH "signal" request would do the same, but sshd refuses it for root logins.)
import { Transform, type TransformCallback } from 'node:stream';

const MARKER = '__director_pgid__';
/** Give up looking for the marker after this much stderr (a noisy .bashrc, a non-POSIX shell). */
const SNIFF_LIMIT = 64 * 1024;

export function killableCommand(command: string): string {
  return `printf '${MARKER} %s\\n' "$$" >&2; ${command}`;
}

export function killGroupCommand(pgid: number): string {
  return `kill -KILL -- -${pgid} 2>/dev/null; kill -KILL ${pgid} 2>/dev/null; true`;
}

/** Passes stderr through, minus the marker line, and remembers the pid it names. */
export class PgidSniffer extends Transform {
  pgid: number | undefined;
  private head = '';
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.done) return cb(null, chunk);
    this.head += chunk.toString('latin1');
    const at = this.head.indexOf(`${MARKER} `);
    const nl = at === -1 ? -1 : this.head.indexOf('\n', at);
    if (at !== -1 && nl !== -1) {
      const pid = Number(this.head.slice(at + MARKER.length + 1, nl));
      if (Number.isInteger(pid) && pid > 1) {
        this.pgid = pid;
        this.emit('pgid', pid);
      }
      this.release(this.head.slice(0, at) + this.head.slice(nl + 1));
    } else if (this.head.length > SNIFF_LIMIT) this.release(this.head);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (!this.done) this.release(this.head);
    cb();
  }

  private release(rest: string): void {
    this.done = true;
    this.head = '';
    if (rest.length > 0) this.push(Buffer.from(rest, 'latin1'));
  }
}
