// Rendering of `director shell`'s own words: the connection report at the start, :hosts, the
// replies to `:` commands, :help. A line's output is exec's (RunRenderer).
import type { HostRow } from '../commands/shell.js';
import type { HostResult } from '../ssh/fleet.js';
import type { ShellSettings } from '../commands/shell.js';
import { keptLine } from './keeper.js';
import type { Printer } from './printer.js';
import { failureText } from './results.js';

export function renderShellConnected(results: HostResult<void>[], p: Printer): void {
  const ok = results.filter((r) => r.ok).length;
  for (const r of results) if (!r.ok) p.note(`${p.c.red('not connected')} ${r.client.name}: ${failureText(r.error, p)}`);
  p.note(`connected to ${ok} of ${results.length} client${results.length === 1 ? '' : 's'}; :help for the shell's commands`);
}

export function renderHosts(rows: HostRow[], p: Printer): void {
  for (const r of rows) {
    if (!r.kept) p.line(`${p.c.yellow('not connected')} ${r.client.name}: not tried yet`);
    else p.line(`${keptLine(r.kept, p)}${r.kept.noResident ? `; its lines run on channels of their own (${r.kept.noResident})` : ''}`);
  }
  const connected = rows.filter((r) => r.kept?.state === 'connected').length;
  p.line(`${connected} of ${rows.length} connected`);
}

export function renderSettings(s: ShellSettings, changed: 'view' | 'timeout', p: Printer): void {
  if (changed === 'view') p.note(`view: ${s.view}`);
  else p.note(`time limit per line: ${s.timeoutMs === undefined ? 'none' : `${s.timeoutMs / 1000}s`}`);
}

export function renderShellError(message: string, p: Printer): void {
  p.note(p.c.red(message));
}

const HELP = [
  '<command>            run it on every client (your shell code, as director exec -- <command>)',
  '@<group> <command>   on the clients of a [group] of clients.conf',
  '-w <nodes> <command> on some clients: a node set, as -w takes it (node[1-4], @web!node2)',
  ':live :fold :inline :quiet   how output is shown (as exec\'s views)',
  ':timeout <s>|off     time limit per line; :timeout alone shows it',
  ':hosts               which clients are connected, and why the others are not',
  ':quit                leave (also Ctrl-D, or Ctrl-C twice at an empty prompt)',
  'Ctrl-C while a line runs stops its remote commands (each kill verified) and returns here.',
];

export function renderShellHelp(p: Printer): void {
  for (const l of HELP) p.line(l);
}
