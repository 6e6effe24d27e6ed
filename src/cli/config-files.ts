// Where clients.conf and port.conf come from: the option, then the environment variable,
// then ./config/, then the user's configuration folder ($XDG_CONFIG_HOME/director/, else
// ~/.config/director/), so an installed director works from any folder. Pure: the file
// system is asked only through `exists`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';

export interface ConfigKind {
  /** `clients.conf` */
  name: string;
  /** `-c` */
  option: string;
  /** `DIRECTOR_CLIENTS` */
  env: string;
}

export const CLIENTS_FILE: ConfigKind = { name: 'clients.conf', option: '-c', env: 'DIRECTOR_CLIENTS' };
export const PORTS_FILE: ConfigKind = { name: 'port.conf', option: '--ports', env: 'DIRECTOR_PORTS' };

export interface ConfigFile {
  /** Absolute path: the file found, or where it was first looked for. */
  file: string;
  /** Where the choice came from, for -v and error messages: `-c`, `DIRECTOR_CLIENTS`, `./config`, `$XDG_CONFIG_HOME`, `~/.config`. */
  from: string;
  /** Every place looked at, in order, when nothing named the file. */
  tried: string[];
}

export interface Lookup {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home?: string;
  exists?: (file: string) => boolean;
}

export function locateConfig(kind: ConfigKind, given: string | undefined, l: Lookup): ConfigFile {
  if (given !== undefined) return { file: resolve(l.cwd, given), from: kind.option, tried: [] };
  const fromEnv = l.env[kind.env];
  if (fromEnv !== undefined && fromEnv !== '') return { file: resolve(l.cwd, fromEnv), from: kind.env, tried: [] };
  const exists = l.exists ?? existsSync;
  const home = l.home ?? homedir();
  const xdg = l.env['XDG_CONFIG_HOME'];
  const places: Array<[string, string]> = [[resolve(l.cwd, 'config', kind.name), './config']];
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (xdg !== undefined && xdg.startsWith('/')) places.push([join(xdg, 'director', kind.name), '$XDG_CONFIG_HOME']);
  places.push([join(home, '.config', 'director', kind.name), '~/.config']);
  const tried = places.map(([f]) => f);
  const found = places.find(([f]) => exists(f)) ?? places[0]!;
  return { file: found[0], from: found[1], tried };
}

/** `-v`: which file was used and why. */
export function describeConfig(c: ConfigFile): string {
  const why = c.from.startsWith('-') ? `given with ${c.from}` : c.tried.length > 0 ? `found in ${c.from}` : `from ${c.from}`;
  return `${c.file} (${why})`;
}

/** The error for a clients file that is not there, with the ways to give one. */
export function missingClientsFile(c: ConfigFile): ConfigError {
  const where = c.tried.length > 0 ? `no clients file: looked for ${c.tried.join(', ')}` : `${c.file} does not exist (set by ${c.from})`;
  return new ConfigError(
    [
      where,
      `  name one with -c FILE or ${CLIENTS_FILE.env}=FILE, or the hosts themselves with -w 'node[1-4]';`,
      `  to try director first on a local cluster of sshd hosts: director sandbox up`,
    ].join('\n'),
  );
}
