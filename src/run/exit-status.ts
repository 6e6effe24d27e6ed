// Classifies each client's end and picks the command's exit status, following pssh:
// 4 unreachable > 3 timed out or killed by a signal > 5 non-zero exit > 1 other failure.
import { EXIT } from '../exit-codes.js';
import type { HostErrorKind } from '../ssh/host-error.js';
import type { HostState } from './types.js';

const CONNECT_KINDS: ReadonlySet<HostErrorKind> = new Set(['unreachable', 'connect-timeout', 'auth', 'host-key']);

export interface ExecEnd {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
}

/** The state of a client whose command ran (or was meant to). */
export function stateOfExec(end: ExecEnd): HostState {
  if (end.timedOut) return 'timeout';
  if (end.interrupted) return 'interrupted';
  if (end.signal !== null) return 'signal';
  if (end.code === 0) return 'success';
  return 'exit';
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
