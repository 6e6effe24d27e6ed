// Shared line rules for clients.conf and port.conf: `#` starts a comment anywhere,
// surrounding space is ignored, blank lines are skipped.
export interface ConfigLine {
  file: string;
  /** 1-based line number in the file. */
  line: number;
  /** The line without its comment and surrounding space; never empty. */
  text: string;
}

export function meaningfulLines(source: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const rows = source.split(/\r?\n/);
  rows.forEach((row, i) => {
    const hash = row.indexOf('#');
    const text = (hash === -1 ? row : row.slice(0, hash)).trim();
    if (text !== '') out.push({ file, line: i + 1, text });
  });
  return out;
}
