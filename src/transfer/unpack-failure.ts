// What a failed remote unpack said, as a reason per file. GNU tar ends with "Exiting with
// failure status due to previous errors", which tells a user nothing; the cause is in the
// lines before it ("tar: NAME: Cannot write: No space left on device", or for a file cut
// short, "tar: NAME: Wrote only 4096 of 10240 bytes").

export interface UnpackFailure {
  /** Why the file with this temporary name is not on the client. */
  forFile(tempRel: string): string;
  /** Did tar complain about this very file? */
  names(tempRel: string): boolean;
}

const TAR_LINE = /^tar: ([\s\S]+?): ((?:Cannot [a-z]+|Wrote only|Read|Skipping)[\s\S]*)$/;
/** "Cannot write: No space left on device" → "No space left on device". */
const ERRNO = /^Cannot [a-z]+: (.+)$/;

export function unpackFailure(stderr: string, status: string): UnpackFailure {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/Exiting with failure status/.test(l));
  const byName = new Map<string, string>();
  let cause: string | undefined;
  for (const line of lines) {
    const m = TAR_LINE.exec(line);
    if (!m) continue;
    const said = m[2] as string;
    if (!byName.has(m[1] as string)) byName.set(m[1] as string, said);
    cause ??= ERRNO.exec(said)?.[1];
  }
  const general = lines[0] ?? `exit status ${status}`;
  return {
    names: (tempRel) => byName.has(tarEscape(tempRel)),
    forFile(tempRel: string): string {
      const own = byName.get(tarEscape(tempRel));
      if (own !== undefined && ERRNO.test(own)) return own;
      // A file cut short says only how much got written; the batch's errno says why.
      if (own !== undefined) return cause === undefined ? own : `${cause} (${own})`;
      return cause ?? general;
    },
  };
}

/** Names as GNU tar prints them (its default "escape" quoting style). */
function tarEscape(name: string): string {
  return name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}
