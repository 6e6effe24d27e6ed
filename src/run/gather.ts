// Fetches what a script wrote under DIRECTOR_OUTPUT_DIR into <host>/files as one tar stream
// over an exec channel (no SFTP: a server may have none, and a chatty rc file corrupts it),
// keeping names and folders. Only plain files and folders are taken; a name that could lead
// outside the target folder is refused, never written; links and special files are listed.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { drain, onSafeEntries, writeEntry } from '../tar-entries.js';
import { Writable } from 'node:stream';
import tar from 'tar-stream';
import { quote } from '../remote-shell.js';
import { AfterMark, markCode } from '../remote/framed.js';
import { answerToken, didNotRun, underSh } from '../remote/posix.js';
import type { Session } from '../ssh/session.js';
import type { FilesStats } from './types.js';

const MAX_DEPTH = 64;
/** How much of tar's stderr is kept for a message. */
const STDERR_LIMIT = 4096;

export { isInside, isSafeName } from '../tar-entries.js';

/** The remote side: the mark, then `tar -c` of the folder's contents (GNU and busybox tar alike). */
export function gatherCommand(remoteDir: string, token: string): string {
  return underSh(`cd -- ${quote(remoteDir)} || exit 1\n${markCode(token)}\nexec tar -cf - .`);
}

export async function fetchTree(session: Session, remoteDir: string, localDir: string): Promise<FilesStats> {
  const stats: FilesStats = { count: 0, bytes: 0, skipped: [] };
  const root = resolve(localDir);
  const token = answerToken();
  const framed = new AfterMark(token);
  const extract = tar.extract();
  let stderr = '';
  const errSink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8');
      cb();
    },
  });
  const entries = onSafeEntries(
    extract,
    root,
    (name) => stats.skipped.push(`${JSON.stringify(name)}: unsafe name`),
    (header, body, at, done) => {
      const { rel, parts, target } = at;
      if (header.type === 'directory') {
        if (parts.length > MAX_DEPTH) stats.skipped.push(`${rel}/: deeper than ${MAX_DEPTH} folders`);
        else {
          try {
            mkdirSync(target, { recursive: true });
          } catch (e) {
            return drain(body, () => done(e));
          }
        }
        return drain(body, done);
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        const what = header.type === 'symlink' ? 'symbolic link' : header.type === 'link' ? 'hard link (its first name is fetched)' : 'not a plain file';
        stats.skipped.push(`${rel}: ${what}`);
        return drain(body, done);
      }
      if (parts.length > MAX_DEPTH) {
        stats.skipped.push(`${rel}: deeper than ${MAX_DEPTH} folders`);
        return drain(body, done);
      }
      try {
        mkdirSync(resolve(target, '..'), { recursive: true });
      } catch (e) {
        return drain(body, () => done(e));
      }
      writeEntry(body, target, {}, (e) => {
        if (e === undefined) {
          stats.count++;
          stats.bytes += header.size ?? 0;
        }
        done(e);
      });
    },
  );
  const extracted = new Promise<void>((ok, fail) => {
    extract.on('finish', ok);
    extract.on('error', fail);
  });
  // A stream that never shows its mark ends the extraction instead of leaving it waiting.
  framed.on('error', (e) => extract.destroy(e));
  framed.pipe(extract as unknown as Writable);
  const result = await session.exec(gatherCommand(remoteDir, token), { stdout: framed, stderr: errSink });
  framed.end();
  await extracted.catch((e: unknown) => {
    throw framed.marked ? new Error(`reading the tar stream: ${(e as Error).message}`) : e;
  });
  if (entries.failed() !== undefined) throw entries.failed();
  if (!framed.marked) throw new Error(didNotRun(result.code, stderr));
  if (result.code !== 0) throw new Error(stderr.trim().split('\n').pop() || `tar exit status ${result.code ?? result.signal}`);
  return stats;
}
