// port.conf: one TCP port per line, same comment and blank-line rules as clients.conf.
import { ConfigError } from './errors.js';
import { meaningfulLines } from './lines.js';
import { parsePort } from './clients.js';

/**
 * Each port is a service process of its own (start_local), so a port.conf of thousands of
 * lines would start thousands of processes: more than this is refused as a mistake.
 */
export const MAX_PORTS = 64;

export interface PortEntry {
  port: number;
  line: number;
}

export function parsePorts(source: string, file: string): PortEntry[] {
  const out: PortEntry[] = [];
  const seen = new Map<number, number>();
  for (const { line, text } of meaningfulLines(source, file)) {
    const port = parsePort(text, (why) => {
      throw new ConfigError(why, file, line, text);
    });
    const earlier = seen.get(port);
    if (earlier !== undefined) throw new ConfigError(`duplicate port ${port} (also on line ${earlier})`, file, line, text);
    if (out.length === MAX_PORTS) throw new ConfigError(`more than ${MAX_PORTS} ports (each is a process)`, file, line, text);
    seen.set(port, line);
    out.push({ port, line });
  }
  if (out.length === 0) throw new ConfigError('no ports listed', file);
  return out;
}
