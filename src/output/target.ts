// -v: what ssh_config gave a client, like a short `ssh -G`, with where each setting came from.
// Paths and names only: never key material.
import type { ConnectTarget } from '../ssh/target.js';

export function describeTarget(name: string, t: ConnectTarget): string {
  const lines = [`${name}: ${hop(t)}`];
  for (const [keyword, list] of t.config.settings) {
    for (const s of list) {
      if (s.file === 'command-line' && s.line === 0) continue;
      lines.push(`  ${s.spelled ?? keyword} ${s.args.join(' ')}  (${s.file === 'command-line' ? `-o #${s.line}` : `${s.file}:${s.line}`})`);
    }
  }
  return lines.join('\n');
}

function hop(t: ConnectTarget): string {
  const keys = `${t.identitiesOnly ? 'only ' : ''}keys ${t.identityFiles.join(', ') || 'none'}${t.identityAgent !== undefined && !t.identitiesOnly ? ` and agent ${t.identityAgent}` : ''}`;
  const hostKeys = `host keys ${t.hostKeys.policy} in ${[...t.hostKeys.files, ...t.hostKeys.globalFiles].join(', ') || 'no file'}${t.hostKeys.alias !== null ? ` as ${t.hostKeys.alias}` : ''}`;
  return `${where(t)}; ${keys}; ${hostKeys}; connect timeout ${t.connectTimeoutMs / 1000}s; keepalive ${t.alive.intervalMs / 1000}s × ${t.alive.countMax}`;
}

/** user@host:port and the way there, hop by hop. */
function where(t: ConnectTarget): string {
  const here = `${t.username}@${t.hostname}:${t.port}`;
  if (t.route.kind === 'jump') return `${here} through bastion ${where(t.route.via)}`;
  if (t.route.kind === 'command') return `${here} over ProxyCommand ${JSON.stringify(t.route.command)}`;
  return here;
}
