// Shared shapes for reporting per-client results: the summary line and a failure's text
// (their JSON form: envelope.ts).
import type { Client } from '../config/client.js';
import { KIND_LABEL, type HostError } from '../ssh/host-error.js';
import type { Printer } from './printer.js';

export interface Outcome {
  client: Client;
  ok: boolean;
  error?: HostError;
}

/** `8 ok, 1 failed: host9 (auth failed)`. */
export function summaryLine(outcomes: readonly Outcome[], p: Printer): string {
  const failed = outcomes.filter((o) => !o.ok);
  const ok = outcomes.length - failed.length;
  const head = `${ok} ok, ${failed.length} failed`;
  if (failed.length === 0) return p.c.green(head);
  const names = failed.map((o) => `${o.client.name}${o.error ? ` (${KIND_LABEL[o.error.kind]})` : ''}`);
  return p.c.red(`${head}: ${names.join(', ')}`);
}

/** `host: reason` for a failed client, the reason coloured. */
export function failureText(e: HostError, p: Printer): string {
  return p.c.red(`${KIND_LABEL[e.kind]}: ${e.message}`);
}
