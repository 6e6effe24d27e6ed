// Node-set errors carry a short reason; callers say where the set came from (-w, a file line).

/**
 * Most names one node set may hold or expand to. Counted before anything is made, so
 * `node[1-100000000]` is refused at once rather than after seconds and gigabytes.
 */
export const MAX_NODES = 100_000;

export class NodeSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeSetError';
  }
}
