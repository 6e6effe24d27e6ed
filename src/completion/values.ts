// The names a completion script asks director for while a person types: groups and hosts of
// clients.conf (the one -c names on the line, else the one director would use), and projects
// with a placement record in .director. Never an error: a bad file completes nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLIENTS_FILE, locateConfig } from '../cli/config-files.js';
import { parseClients } from '../config/clients.js';
import { STATE_DIR } from '../transfer/placement-record.js';

export type ValuesKind = 'group' | 'host' | 'project';

export function isValuesKind(k: string): k is ValuesKind {
  return k === 'group' || k === 'host' || k === 'project';
}

/** The clients file the words on the line point at: `-c F`, `--clients F`, `--clients=F`. */
function clientsGiven(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === '-c' || w === '--clients') && i + 1 < words.length) return words[i + 1];
    if (w.startsWith('--clients=')) return w.slice('--clients='.length);
  }
  return undefined;
}

export function completionValues(kind: ValuesKind, words: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv }): string[] {
  try {
    if (kind === 'project') {
      const dir = resolve(o.cwd, STATE_DIR);
      return readdirSync(dir)
        .filter((n) => existsSync(join(dir, n, 'placement.json')))
        .sort();
    }
    const file = locateConfig(CLIENTS_FILE, clientsGiven(words), o).file;
    const clients = parseClients(readFileSync(file, 'utf8'), file);
    const names = kind === 'group' ? clients.map((c) => c.group).filter((g): g is string => g !== undefined) : clients.map((c) => c.name);
    return [...new Set(names)];
  } catch {
    return [];
  }
}
