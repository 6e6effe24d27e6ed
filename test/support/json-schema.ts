// Every --json document is checked against the schema the package ships
// (schema/output.schema.json), with ajv, a JSON Schema validator from npm.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { REPO_ROOT } from './cli.js';

export const SCHEMA_FILE = join(REPO_ROOT, 'schema', 'output.schema.json');

// strictTypes off: the per-command rules narrow the envelope's own types without repeating them.
const ajv = new Ajv({ allErrors: true, strictTypes: false });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);

/** The schema's complaints about `doc`, one a line; empty when it is valid. */
export function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Parses a command's stdout as its one JSON document and checks it; throws with the reasons. */
export function envelopeOf(stdout: string): Record<string, unknown> & { command: string; ok: boolean; exitCode: number; clients: Array<Record<string, unknown>> } {
  const doc = JSON.parse(stdout) as ReturnType<typeof envelopeOf>;
  const errors = schemaErrors(doc);
  if (errors.length > 0) throw new Error(`not a valid envelope:\n${errors.join('\n')}\n${stdout.slice(0, 2000)}`);
  return doc;
}
