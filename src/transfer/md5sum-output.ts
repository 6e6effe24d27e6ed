// Parsing `md5sum -z` output: NUL-terminated `<32 hex>  <name>` records, names unescaped.
export function parseMd5sumZ(out: Buffer | string): Map<string, string> {
  const text = Buffer.isBuffer(out) ? out.toString('utf8') : out;
  const sums = new Map<string, string>();
  for (const rec of text.split('\0')) {
    const m = /^([0-9a-f]{32}) [ *]([\s\S]+)$/.exec(rec);
    if (m) sums.set(m[2] as string, m[1] as string);
  }
  return sums;
}

/** Paths as a NUL-separated list for `xargs -0`: no quoting, no length limit. */
export function nulList(paths: readonly string[]): Buffer {
  return Buffer.from(paths.map((p) => `${p}\0`).join(''), 'utf8');
}
