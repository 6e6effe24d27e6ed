// Reading the configuration files; the parsing itself is pure (clients.ts, ports.ts).
import { readFileSync } from 'node:fs';
import type { Client } from './client.js';
import { parseClients } from './clients.js';
import { ConfigError } from './errors.js';
import { parsePorts, type PortEntry } from './ports.js';
import { selectClients, type Selection } from './select.js';

export function readConfig(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new ConfigError(`cannot read ${what} (${why})`, file);
  }
}

export function loadClients(file: string, selection: Selection): Client[] {
  return selectClients(parseClients(readConfig(file, 'clients file'), file), selection);
}

export function loadPorts(file: string): PortEntry[] {
  return parsePorts(readConfig(file, 'ports file'), file);
}
