// director start: director's own echo service (the local mode's protocol) on every client, on
// the ports of port.conf, as the service `echo`. Nothing is installed: the client's node,
// python3 or perl (the first it has) runs a program director writes to the service's folder.
// The start counts as done once every port listens (seen in the client's /proc/net/tcp as a
// socket of the service's own), or fails naming the ports that do not.
import { UsageError } from '../config/errors.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import type { Session } from '../ssh/session.js';
import { EXIT } from '../exit-codes.cjs';
import { echoCommand, echoProgram, type Interpreter } from '../services/echo/programs.js';
import type { RestartPolicy } from '../services/names.js';
import { factsOn, interpretersOn, startOn } from '../services/on-client.js';
import type { StartAnswer } from '../services/start-script.js';
import { judgeService, type PortState } from '../services/state.js';
import { notAfterCtrlC, startPlan, startResult, type ServiceStartResult } from './service-start.js';

export const ECHO = 'echo';

/** `--bind client`: each client's own address, as director reaches it. */
export const BIND_CLIENT = 'client';

export interface EchoStartOptions {
  ports: readonly number[];
  /** An address on the client, or BIND_CLIENT. */
  bind: string;
  idleMs: number;
  restart?: RestartPolicy;
  replace?: boolean;
  graceS?: number;
  /** How long the ports have to start listening. */
  listenMs?: number;
}

export interface EchoStartValue {
  answer: StartAnswer;
  interpreter: Interpreter;
  bind: string;
  /** `at`: the address and port as the service's replies write them. */
  ports: Array<{ port: number; state: PortState; at: string }>;
}

export interface EchoStartResult extends Omit<ServiceStartResult, 'results'> {
  results: HostResult<EchoStartValue>[];
}

const LISTEN_MS = 5000;

export function checkBind(bind: string): string {
  if (bind === BIND_CLIENT || /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/.test(bind)) return bind;
  throw new UsageError(`--bind wants an address on the clients (127.0.0.1, 0.0.0.0, ::), or "client" (got "${bind}")`);
}

export async function echoStart(opts: EchoStartOptions, deps: { fleet: Fleet }): Promise<EchoStartResult> {
  checkBind(opts.bind);
  if (opts.ports.length === 0) throw new UsageError('port.conf lists no port');
  const count = deps.fleet.clients.length;
  const results = await deps.fleet.run(async (session, client): Promise<EchoStartValue> => {
    notAfterCtrlC(deps.fleet);
    const [interpreter] = await interpretersOn(session);
    if (interpreter === undefined) throw new HostError('remote-exit', 'no node, python3 or perl on the client: the echo service needs one of them');
    const program = echoProgram(interpreter);
    const bind = opts.bind === BIND_CLIENT ? deps.fleet.target(client).hostname : opts.bind;
    const plan = startPlan(
      { name: ECHO, words: [echoCommand(program, bind, opts.ports, opts.idleMs)], ports: opts.ports, restart: opts.restart ?? 'no', replace: opts.replace === true, graceS: opts.graceS },
      client,
      count,
      { files: { [program.file]: program.source }, meta: { ports: opts.ports.join(','), bind, interpreter } },
    );
    notAfterCtrlC(deps.fleet);
    const answer = await startOn(session, plan);
    const ports = answer.outcome === 'started' || answer.outcome === 'already-running' ? await listening(session, opts.listenMs ?? LISTEN_MS) : [];
    return { answer, interpreter, bind, ports: ports.map((p) => ({ ...p, at: hostPort(bind, p.port) })) };
  });
  const base = startResult(ECHO, false, results.map((r) => (r.ok ? { ...r, value: r.value.answer } : r)), deps.fleet);
  const ok = base.exitCode === EXIT.ok && results.every((r) => r.ok && r.value.ports.every((p) => p.state === 'listening'));
  return { ...base, results, exitCode: ok ? EXIT.ok : EXIT.failed };
}

/** How an address is written before `:port` in the echo service's replies. */
export function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The echo service's ports once all listen, or as they are when `ms` has passed (or it stopped). */
async function listening(session: Session, ms: number): Promise<Array<{ port: number; state: PortState }>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const facts = await factsOn(session, ECHO);
    const svc = facts.services[0];
    const status = svc && judgeService(svc, facts);
    const ports = status?.ports ?? [];
    if (status?.state !== 'running' || ports.every((p) => p.state === 'listening') || Date.now() > deadline) return ports;
    await new Promise((r) => setTimeout(r, 100));
  }
}
