// The one JSON document every command prints under --json (docs/json.md; schema in
// schema/output.schema.json): the same envelope, one entry per client, the command's own
// fields beside them. A new command builds its document with `envelope` and `clientJson`
// (or `hostResultJson` straight from the Fleet's HostResults) and prints it with
// `p.document(...)`; usage errors and failures of director itself use `errorEnvelope`.
import type { HostResult } from '../ssh/fleet.js';
import type { HostError } from '../ssh/host-error.js';

export const SCHEMA_VERSION = 1;

/** What went wrong: a HostError kind (`auth`, `timeout`…), or `usage`, `config`, `internal`. */
export interface ErrorJson {
  kind: string;
  message: string;
}

/** One client (or one local service) in the document. */
export interface ClientJson {
  /** The client as clients.conf names it (`alice@node1:2222`), or a local service's address. */
  host: string;
  ok: boolean;
  /** How it ended, in the command's words (`success`, `created`, `on`, …; a failure's kind). */
  state: string;
  /** Present exactly when `ok` is false. */
  error?: ErrorJson;
  [field: string]: unknown;
}

export interface Envelope {
  schemaVersion: typeof SCHEMA_VERSION;
  /** The command as typed after `director`: `exec`, `sandbox up`. */
  command: string;
  /** True exactly when exitCode is 0. */
  ok: boolean;
  exitCode: number;
  clients: ClientJson[];
  /** Why the command as a whole failed (a usage error: exit 2, no client contacted). */
  error?: ErrorJson;
  [field: string]: unknown;
}

const TOP = new Set(['schemaVersion', 'command', 'ok', 'exitCode', 'clients']);
const CLIENT = new Set(['host', 'ok', 'state', 'error']);

/** A command's own fields never overwrite the envelope's (a mistake in the command, not in its input). */
function checked(fields: Record<string, unknown>, reserved: ReadonlySet<string>): Record<string, unknown> {
  for (const k of Object.keys(fields)) if (reserved.has(k)) throw new Error(`envelope: "${k}" is the envelope's own field`);
  return fields;
}

/** The document of a command: envelope first, then the command's own top-level fields. */
export function envelope(command: string, exitCode: number, clients: readonly ClientJson[], fields: Record<string, unknown> = {}): Envelope {
  return { schemaVersion: SCHEMA_VERSION, command, ok: exitCode === 0, exitCode, clients: [...clients], ...checked(fields, TOP) };
}

export function errorJson(e: { kind: string; message: string }): ErrorJson {
  return { kind: e.kind, message: e.message };
}

/** One client's entry: `error` is written only for a failure (and a failure always has one). */
export function clientJson(host: string, ok: boolean, state: string, error?: ErrorJson | HostError | null, fields: Record<string, unknown> = {}): ClientJson {
  const entry: ClientJson = { host, ok, state };
  if (!ok) entry.error = error ? errorJson(error) : { kind: state, message: state };
  return { ...entry, ...checked(fields, CLIENT) };
}

/**
 * A Fleet's HostResult as an entry: on success the state `okState` names and the value's
 * fields; on failure the error's kind as the state. `ms` is always there.
 */
export function hostResultJson<T>(r: HostResult<T>, okState: (v: T) => string, fields: (v: T) => Record<string, unknown> = () => ({})): ClientJson {
  return r.ok ? clientJson(r.client.name, true, okState(r.value), undefined, { ms: r.ms, ...fields(r.value) }) : clientJson(r.client.name, false, r.error.kind, r.error, { ms: r.ms });
}

/**
 * A HostResult whose value has its own verdict (a service not stopped, a port not
 * listening): `judge` says whether the client is ok, its state, why not, and its fields.
 */
export function judgedResultJson<T>(
  r: HostResult<T>,
  judge: (v: T) => { ok: boolean; state: string; message?: string; fields?: Record<string, unknown> },
): ClientJson {
  if (!r.ok) return clientJson(r.client.name, false, r.error.kind, r.error, { ms: r.ms });
  const j = judge(r.value);
  const error = j.ok ? undefined : { kind: j.state, message: j.message ?? j.state };
  return clientJson(r.client.name, j.ok, j.state, error, { ms: r.ms, ...(j.fields ?? {}) });
}

/** A command that stopped before its work: a usage or configuration error (exit 2), or a failure of director itself. */
export function errorEnvelope(command: string, exitCode: number, kind: 'usage' | 'config' | 'internal', message: string): Envelope {
  return { ...envelope(command, exitCode, []), error: { kind, message } };
}
