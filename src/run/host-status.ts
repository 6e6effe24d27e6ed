// Turns how a client's command ended into its state and, when not a success, a HostError
// whose message a person can act on.
import { HostError } from '../ssh/host-error.js';
import { stateOfExec, type ExecEnd } from './exit-status.js';
import type { HostState } from './types.js';

export function endOfExec(end: ExecEnd, timeoutMs: number | undefined): { state: HostState; error?: HostError } {
  const state = stateOfExec(end);
  switch (state) {
    case 'success':
      return { state };
    case 'timeout':
      return { state, error: new HostError('timeout', `after ${(timeoutMs ?? 0) / 1000}s; the remote command was killed`) };
    case 'interrupted':
      return { state, error: new HostError('interrupted', 'the remote command was killed') };
    case 'signal':
      return { state, error: new HostError('remote-exit', `killed by signal ${end.signal}`) };
    default:
      return {
        state,
        error: new HostError('remote-exit', end.code === null ? 'no exit status came back' : `code ${end.code}`),
      };
  }
}
