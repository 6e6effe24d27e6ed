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
    const hint = code === 'ENOENT' && what === 'clients file' ? '; or name the clients with -w' : '';
    throw new ConfigError(`cannot read ${what} (${why}${hint})`, file);
  }
}

/** Every client of clients.conf; undefined when it may be missing (`required` false) and is. */
export function readClients(file: string, required: boolean): Client[] | undefined {
  if (!required && !existsSync(file)) return undefined;
  return parseClients(readConfig(file, 'clients file'), file);
}

/**
 * The clients a command works on: selected from clients.conf, or, when `-w` is given and the
 * default clients.conf is missing (`required` false), the clients -w names.
 */
export function loadClients(file: string, selection: Selection, required: boolean): Client[] {
  const all = readClients(file, required || selection.nodes.length === 0);
  return all === undefined ? namedClients(selection, file) : selectClients(all, selection, file);
}

export function loadPorts(file: string): PortEntry[] {
  return parsePorts(readConfig(file, 'ports file'), file);
}
