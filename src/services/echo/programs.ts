// director's echo service on a client, in whichever language the client speaks: node if it
// has it, else python3, else perl (every Debian has perl-base). The three programs are files
// beside this module (echo-node.cjs, echo-python.py, echo-perl.pl; the build copies them beside
// the compiled module, so the package carries them) and written to the client's service folder
// at each start: nothing is installed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quote } from '../../remote-shell.js';

export type Interpreter = 'node' | 'python3' | 'perl';

/** The order a client's interpreters are tried in. */
export const INTERPRETERS: readonly Interpreter[] = ['node', 'python3', 'perl'];

const FILES: Record<Interpreter, string> = { node: 'echo-node.cjs', python3: 'echo-python.py', perl: 'echo-perl.pl' };

/** Beside the compiled module (dist/src/services/echo/). */
const SOURCE = new URL('./', import.meta.url);

export interface EchoProgram {
  interpreter: Interpreter;
  /** Its file name in the service's folder. */
  file: string;
  /** Where it is here, beside this module. */
  path: string;
  source: string;
}

export function echoProgram(interpreter: Interpreter): EchoProgram {
  const file = FILES[interpreter];
  const path = fileURLToPath(new URL(file, SOURCE));
  return { interpreter, file, path, source: readFileSync(path, 'utf8') };
}

/** The service's command (sh code, run in the service's folder). */
export function echoCommand(p: EchoProgram, bind: string, ports: readonly number[], idleMs: number): string {
  return `exec ${p.interpreter} ./${p.file} --bind ${quote(bind)} --idle-ms ${idleMs} ${ports.join(' ')}`;
}
