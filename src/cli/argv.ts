// `director hosts -c` counts, as ClusterShell's `nodeset -c` does, although `-c` is the global
// --clients anywhere else: commander reads global options on both sides of a command name,
// so after `hosts` a bare `-c` is handed over as --count before commander sees it.

/** `args` without node's two first words; `valueFlags`: the global options that take a value. */
export function hostsCountFlag(args: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i] ?? '';
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    i += valueFlags.has(a) ? 2 : 1;
  }
  if (args[i] !== 'hosts') return [...args];
  return args.map((a, k) => (k > i && a === '-c' ? '--count' : a));
}
