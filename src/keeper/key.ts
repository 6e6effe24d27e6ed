// Which keeper may run a command: the one started by the same user, with the same build of
// director, the same clients file (by content), and every option that decides how clients are
// reached and trusted (-l, -i and its key's content, -F, -o, -J, --ignore-ssh-option,
// known_hosts, host key policy, connect timeout). Options that only shape one command
// (selection, -t, -p, -v, --json, colour) are left out: the keeper serves any selection of
// its clients file. The key names the keeper's files, so a caller finds its keeper by name.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GlobalOptions } from '../cli/globals.js';
import { buildId } from './place.cjs';

/**
 * Per command, not per connection: never part of the key. (Where the clients file was found
 * does not matter, only its content; everything else, a future option too, is in the key.)
 */
const PER_COMMAND: ReadonlySet<string> = new Set([
  'nodes',
  'groups',
  'exclude',
  'timeout',
  'parallel',
  'verbose',
  'json',
  'color',
  'ports',
  'portsFile',
  'clientsFile',
  'clientsNamed',
  'identityFrom',
]);

/** The key, or undefined when a file it depends on cannot be read (the command then runs directly and says why). */
export function keeperKey(g: GlobalOptions): string | undefined {
  try {
    const parts: Record<string, unknown> = { uid: process.getuid?.() ?? 0, build: buildId() };
    for (const [k, v] of Object.entries(g)) if (!PER_COMMAND.has(k)) parts[k] = v;
    parts['clients'] = digest(readFileSync(g.clients));
    if (g.identity !== undefined) parts['identityContent'] = digest(readFileSync(g.identity));
    return digest(Buffer.from(JSON.stringify(parts))).slice(0, 24);
  } catch {
    return undefined;
  }
}

function digest(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
