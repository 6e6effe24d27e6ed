// The service steps on one client, each one exec on the client's Session: its script is sent,
// its framed answer read back and parsed. A step whose answer never came (no /bin/sh, no
// base64, the connection lost) fails the client with the reason, as a HostError.
import { answers, answerToken, didNotRun, underSh } from '../remote/posix.js';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { factsScript, parseFacts, type ClientFacts } from './facts.js';
import { checkServiceName, serviceDir } from './names.js';
import { parseStartWords, startScript, type StartAnswer, type StartPlan } from './start-script.js';
import { parseStopWords, stopScript, type StopAnswer } from './stop-script.js';
import { INTERPRETERS, type Interpreter } from './echo/programs.js';
import { quote } from '../remote-shell.js';

async function ask(session: Session, command: string, token: string, timeoutMs?: number, stdin?: string): Promise<string[]> {
  const { result, stdout, stderr } = await session.capture(command, { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(stdin !== undefined ? { stdin } : {}) });
  if (result.timedOut) throw new HostError('timeout', `no answer within ${timeoutMs! / 1000}s${result.killUnconfirmed ? `; ${result.killUnconfirmed}` : ''}`);
  const said = answers(stdout, token);
  if (said.length === 0) throw new HostError('remote-exit', didNotRun(result.code, stderr));
  return said;
}

export async function startOn(session: Session, plan: StartPlan): Promise<StartAnswer> {
  const s = startScript(plan);
  const said = await ask(session, s.command, s.token, undefined, s.stdin);
  const answer = parseStartWords((said[said.length - 1] ?? '').split(' '));
  if (answer === undefined) throw new HostError('remote-exit', `unexpected answer from the client: ${said.join(' | ').slice(0, 200)}`);
  return answer;
}

export async function stopOn(session: Session, name: string, graceS: number): Promise<StopAnswer> {
  const s = stopScript(name, graceS);
  const said = await ask(session, s.command, s.token);
  const answer = parseStopWords((said.find((l) => l.startsWith('stop ')) ?? '').split(' ').slice(1));
  if (answer === undefined) throw new HostError('remote-exit', `unexpected answer from the client: ${said.join(' | ').slice(0, 200)}`);
  return answer;
}

export async function factsOn(session: Session, name?: string, timeoutMs?: number): Promise<ClientFacts> {
  const s = factsScript(name);
  const facts = parseFacts(await ask(session, s.command, s.token, timeoutMs));
  if (facts === undefined) throw new HostError('remote-exit', 'the status report from the client was cut short');
  return facts;
}

/** The interpreters of INTERPRETERS that the client has on its PATH, in that order. */
export async function interpretersOn(session: Session): Promise<Interpreter[]> {
  const token = answerToken();
  const code = `for i in ${INTERPRETERS.join(' ')}; do command -v "$i" >/dev/null 2>&1 && printf '%s have %s\\n' ${token} "$i"; done; printf '%s end\\n' ${token}`;
  const said = await ask(session, underSh(code), token);
  return INTERPRETERS.filter((i) => said.includes(`have ${i}`));
}

/** The words of a service's ./meta on the client (empty when there is none). */
export async function metaOn(session: Session, name: string): Promise<Record<string, string>> {
  const token = answerToken();
  const code = [
    `[ ! -f ${quote(`${serviceDir(checkServiceName(name))}/meta`)} ] || while IFS= read -r l; do printf '%s meta %s\\n' ${token} "$l"; done < ${quote(`${serviceDir(name)}/meta`)}`,
    `printf '%s end\\n' ${token}`,
  ].join('\n');
  const meta: Record<string, string> = {};
  for (const line of await ask(session, underSh(code), token)) {
    const m = /^meta ([a-z_]+)=(.*)$/.exec(line);
    if (m) meta[m[1]!] = m[2]!;
  }
  return meta;
}
