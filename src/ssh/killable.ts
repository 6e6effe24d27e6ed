// Making a remote command killable as a whole. The command is prefixed with a marker that
// prints its login shell's pid on stderr (remote/kill.ts, in text every login shell reads
// alike); the command follows on the same line, not through `eval`: exec's words are the
// user's shell code and must mean what they mean to `ssh host words…`, down to $LINENO.
// The kill itself (the whole process tree, checked afterwards) runs on a second channel.
// (The SSH "signal" request would be simpler, but sshd refuses it for root logins.)
import { Transform, type TransformCallback } from 'node:stream';
import { PID_MARKER, pidMarkIn } from '../remote/kill.js';

/** Give up looking for the marker after this much stderr (a noisy .bashrc). */
const SNIFF_LIMIT = 64 * 1024;

/** `loginShell`: the login shell's name, when an earlier marker on this connection said it. */
export function killableCommand(command: string, loginShell?: string): string {
  return `${pidMarkIn(loginShell)}; ${command}`;
}

/** Passes stderr through, minus the marker line, and remembers the pid it names. */
export class PidSniffer extends Transform {
  pid: number | undefined;
  /** The marker said the login shell is of the csh family (and stopped it). */
  csh = false;
  /** The login shell's name, as the marker said it (`shell=<name>`). */
  shell: string | undefined;
  private head = '';
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.done) return cb(null, chunk);
    this.head += chunk.toString('latin1');
    const at = this.head.indexOf(`${PID_MARKER} `);
    const nl = at === -1 ? -1 : this.head.indexOf('\n', at);
    if (at !== -1 && nl !== -1) {
      const [pidText, said] = this.head.slice(at + PID_MARKER.length + 1, nl).trim().split(' ');
      const pid = Number(pidText);
      this.csh = said === 'csh';
      const name = /^shell=([a-z0-9]+)$/.exec(said ?? '')?.[1];
      if (name !== undefined) this.shell = name;
      if (Number.isInteger(pid) && pid > 1) {
        this.pid = pid;
        this.emit('pid', pid);
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
