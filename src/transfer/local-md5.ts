// md5 of a local file, streamed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function localMd5(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', fail)
      .on('end', () => ok(hash.digest('hex')));
  });
}
