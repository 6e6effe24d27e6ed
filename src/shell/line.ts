// What a line typed at `director shell` means, pure: a command for the clients (all of them,
// `@group cmd` for a group, `-w nodes cmd` for a node set), or one of the shell's own `:` commands.
export type ShellView = 'live' | 'fold' | 'inline' | 'quiet';

export type ShellLine =
  | { kind: 'empty' }
  | { kind: 'run'; command: string; group?: string; hosts?: string }
  | { kind: 'view'; view: ShellView }
  | { kind: 'hosts' }
  | { kind: 'timeout'; seconds: number | null | undefined }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'bad'; message: string };

const VIEWS: ReadonlySet<string> = new Set(['live', 'fold', 'inline', 'quiet']);

export function parseShellLine(text: string): ShellLine {
  const line = text.trim();
  if (line === '' || line.startsWith('#')) return { kind: 'empty' };
  if (line.startsWith(':')) return own(line.slice(1).trim());
  let m = /^@(\S+)\s+(.*)$/s.exec(line);
  if (m) return { kind: 'run', group: m[1] as string, command: (m[2] as string).trim() };
  if (/^@\S+$/.test(line)) return { kind: 'bad', message: `${line}: give a command after the group` };
  m = /^-w\s+(\S+)\s+(.*)$/s.exec(line);
  if (m) return { kind: 'run', hosts: m[1] as string, command: (m[2] as string).trim() };
  if (/^-w(\s+\S+)?\s*$/.test(line)) return { kind: 'bad', message: '-w wants clients and a command: -w node[1-4] uptime' };
  return { kind: 'run', command: line };
}

function own(text: string): ShellLine {
  const [word = '', ...rest] = text.split(/\s+/);
  const arg = rest.join(' ');
  if (VIEWS.has(word) && arg === '') return { kind: 'view', view: word as ShellView };
  if ((word === 'hosts' || word === 'h') && arg === '') return { kind: 'hosts' };
  if ((word === 'quit' || word === 'q' || word === 'exit') && arg === '') return { kind: 'quit' };
  if (word === 'help' || word === '?') return { kind: 'help' };
  if (word === 'timeout') {
    if (arg === '') return { kind: 'timeout', seconds: undefined };
    if (arg === 'off' || arg === 'none' || arg === '0') return { kind: 'timeout', seconds: null };
    const n = Number(arg);
    if (Number.isFinite(n) && n > 0) return { kind: 'timeout', seconds: n };
    return { kind: 'bad', message: `:timeout wants seconds > 0, or off (got "${arg}")` };
  }
  return { kind: 'bad', message: `unknown :${word}${arg ? ` ${arg}` : ''} (:help lists the commands)` };
}
