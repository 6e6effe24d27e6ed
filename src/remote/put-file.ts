// Writing a file on a client over an exec channel (`cat >`), with no SFTP: a server may have
// no SFTP subsystem, and a chatty rc file corrupts one. The bytes travel on the channel's
// standard input, so no name or content passes through a shell unquoted.
import type { Readable } from 'node:stream';
import { quote } from '../remote-shell.js';
import type { Session } from '../ssh/session.js';
import { answer, answers, answerToken, didNotRun, underSh } from './posix.js';

/** Writes `content` to `remote` (created with `mode`, an octal string such as '700'). */
export async function putFile(session: Session, content: Buffer | string | Readable, remote: string, mode: string): Promise<void> {
  if (!/^[0-7]{3,4}$/.test(mode)) throw new Error(`bad file mode ${mode}`);
  const token = answerToken();
  const f = quote(remote);
  const code = `umask 077\ncat > ${f} && chmod ${mode} ${f} && ${answer(token, 'written')}`;
  const { result, stdout, stderr } = await session.capture(underSh(code), { stdin: content });
  if (answers(stdout, token).includes('written') && result.code === 0) return;
  if (result.code !== 0 && stderr.trim() !== '') throw new Error(stderr.trim().split('\n').pop() as string);
  throw new Error(didNotRun(result.code, stderr));
}
