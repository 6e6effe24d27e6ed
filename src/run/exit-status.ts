// How each client ended and the command's exit status, following pssh:
// 4 unreachable > 3 timed out or killed by a signal > 5 non-zero exit > 1 other failure.
import { EXIT } from '../exit-codes.cjs';
import { HostError, type HostErrorKind } from '../ssh/host-error.js';
import type { ExecResult } from '../ssh/session.js';
import type { HostState } from './types.js';

const CONNECT_KINDS: ReadonlySet<HostErrorKind> = new Set(['unreachable', 'connect-timeout', 'auth', 'host-key']);

/** The state of a client whose command ran (or was meant to). */
export function stateOfExec(end: ExecResult): HostState {
  // Processes of the command outlived the kill: not a clean "timed out".
  if (end.killFailed && !end.interrupted) return 'failed';
  if (end.timedOut) return 'timeout';
  if (end.interrupted) return 'interrupted';
  if (end.signal !== null) return 'signal';
  if (end.code === 0) return 'success';
  return 'exit';
}

/** The state of a client's command and, when not a success, a HostError whose message a person can act on. */
export function endOfExec(end: ExecResult, timeoutMs: number | undefined): { state: HostState; error?: HostError } {
  const state = stateOfExec(end);
  switch (state) {
    case 'success':
      return { state };
    case 'failed':
      return { state, error: new HostError('timeout', `after ${(timeoutMs ?? 0) / 1000}s; ${killOutcome(end)}`) };
    case 'timeout':
      return { state, error: new HostError('timeout', `after ${(timeoutMs ?? 0) / 1000}s; ${killOutcome(end)}`) };
    case 'interrupted':
      return { state, error: new HostError('interrupted', killOutcome(end)) };
    case 'signal':
      return { state, error: new HostError('remote-exit', `killed by signal ${end.signal}`) };
    default:
      return {
        state,
        error: new HostError('remote-exit', end.code === null ? 'no exit status came back' : `code ${end.code}`),
      };
  }
}

/** "killed" only when the command's channel ended after the kill (see exec-channel.ts). */
function killOutcome(end: ExecResult): string {
  return end.killUnconfirmed === undefined ? 'the remote command was killed' : `the kill could not be confirmed: ${end.killUnconfirmed}`;
}

/** The state of a client whose work failed with a HostError of this kind. */
export function stateOfError(kind: HostErrorKind): HostState {
  if (CONNECT_KINDS.has(kind)) return 'unreachable';
  if (kind === 'timeout') return 'timeout';
  if (kind === 'interrupted') return 'interrupted';
  if (kind === 'remote-exit') return 'exit';
  return 'failed';
}

const CODE: Record<HostState, number> = {
  success: EXIT.ok,
  failed: EXIT.failed,
  exit: EXIT.remoteExit,
  signal: EXIT.timeout,
  timeout: EXIT.timeout,
  unreachable: EXIT.unreachable,
  interrupted: EXIT.interrupted,
};

/** Highest first: the one exit status that stands for several failures. */
const PRECEDENCE = [EXIT.interrupted, EXIT.unreachable, EXIT.timeout, EXIT.remoteExit, EXIT.failed, EXIT.ok];

export function exitCodeFor(states: readonly HostState[]): number {
  const codes = new Set(states.map((s) => CODE[s]));
  return PRECEDENCE.find((c) => codes.has(c)) ?? EXIT.ok;
}
