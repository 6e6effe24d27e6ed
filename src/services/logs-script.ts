// Reading a service's log on a client: its last lines, and with follow, every line after them
// until the command is stopped (the exec's Ctrl-C kill). What comes back after the start mark
// (remote/framed.ts) is the log itself, so a login banner never reads as a log line. `tail -F`
// follows the log by name, across its rotation (GNU and busybox tail both have it).
import { quote } from '../remote-shell.js';
import { markCode } from '../remote/framed.js';
import { answerToken, underSh } from '../remote/posix.js';
import { serviceDir } from './names.js';

export interface LogsScript {
  command: string;
  token: string;
  /** Printed instead of the mark when the client has no such service. */
  missing: string;
}

export function logsScript(name: string, lines: number, follow: boolean): LogsScript {
  const token = answerToken();
  const missing = `${token} none`;
  const code = [
    `cd ${quote(serviceDir(name))} 2>/dev/null && [ -f log ] || { printf '%s\\n' '${missing}'; exit 0; }`,
    markCode(token),
    `exec tail -n ${lines}${follow ? ' -F' : ''} log`,
  ].join('\n');
  return { command: underSh(code), token, missing };
}
