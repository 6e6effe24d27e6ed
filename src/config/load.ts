// Reading the configuration files; the parsing itself is pure (clients.ts, ports.ts).
import { existsSync, readFileSync } from 'node:fs';
import type { Client } from './client.js';
import { parseClients } from './clients.js';
import { ConfigError } from './errors.js';
import { parsePorts, type PortEntry } from './ports.js';
import { namedClients, selectClients, type Selection } from './select.js';

export function readConfig(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new ConfigError(`cannot read ${what} (${why})`, file);
  }
}

/**
 * Every client of clients.conf, or undefined when it is missing and was not named (`named`:
 * -c or DIRECTOR_CLIENTS gave it, so it must exist).
 */
export function readClients(file: string, named: boolean): Client[] | undefined {
  if (!named && !existsSync(file)) return undefined;
  return parseClients(readConfig(file, 'clients file'), file);
}

/** The clients a command works on: selected from clients.conf, or the ones -w names when there is none. */
export function loadClients(file: string, selection: Selection, named: boolean): Client[] {
  const all = readClients(file, named);
  if (all !== undefined) return selectClients(all, selection, file);
  if (selection.nodes.length > 0) return namedClients(selection, file);
  throw new ConfigError('cannot read clients file (no such file): write one, or name the clients with -w', file);
}

export function loadPorts(file: string): PortEntry[] {
  return parsePorts(readConfig(file, 'ports file'), file);
}
