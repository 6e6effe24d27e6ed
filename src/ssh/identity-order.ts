// The order OpenSSH offers keys in (sshconnect2.c, pubkey_prepare): agent keys that are also
// configured identity files first, in the agent's order; then the agent's other keys, unless
// IdentitiesOnly; then the configured files the agent does not hold, in their order. An
// identity file matches an agent key by its public key, so with IdentitiesOnly the agent's
// copy of a configured key is still used (the file may be only a .pub, or encrypted). Pure.

export interface Step<F, A> {
  /** The configured identity file this step is (absent for an agent key not configured). */
  file?: F;
  /** The agent key that signs for this step (absent for a file the agent does not hold). */
  agent?: A;
}

export function identityOrder<F extends { blob: Buffer | undefined }, A extends { blob: Buffer }>(
  files: readonly F[],
  agentKeys: readonly A[],
  identitiesOnly: boolean,
): Step<F, A>[] {
  const remaining = [...files];
  const preferred: Step<F, A>[] = [];
  const others: Step<F, A>[] = [];
  for (const agent of agentKeys) {
    const at = remaining.findIndex((f) => f.blob !== undefined && f.blob.equals(agent.blob));
    if (at >= 0) {
      preferred.push({ file: remaining[at]!, agent });
      remaining.splice(at, 1);
    } else if (!identitiesOnly) {
      others.push({ agent });
    }
  }
  return [...preferred, ...others, ...remaining.map((file) => ({ file }))];
}
