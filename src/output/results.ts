// Shared shapes for reporting per-client results: the summary line and a failure's text
// (their JSON form: envelope.ts).
import type { Client } from '../config/client.js';
import { KIND_LABEL, type HostError } from '../ssh/host-error.js';
import { hostList } from './format.js';
import type { Printer } from './printer.js';

export interface Outcome {
  client: Client;
  ok: boolean;
  error?: HostError;
}

/** `8 ok, 3 failed: node[2-3] (2) auth failed; node9 (1) connect timeout`: one folded set per reason. */
export function summaryLine(outcomes: readonly Outcome[], p: Printer): string {
  const failed = outcomes.filter((o) => !o.ok);
  const ok = outcomes.length - failed.length;
  const head = `${ok} ok, ${failed.length} failed`;
  if (failed.length === 0) return p.c.green(head);
  const byReason = new Map<string, string[]>();
  for (const o of failed) {
    const reason = o.error ? KIND_LABEL[o.error.kind] : '';
    (byReason.get(reason) ?? byReason.set(reason, []).get(reason)!).push(o.client.name);
  }
  const parts = [...byReason].map(([reason, names]) => `${hostList(names)}${reason === '' ? '' : ` ${reason}`}`);
  return p.c.red(`${head}: ${parts.join('; ')}`);
}

/** `host: reason` for a failed client, the reason coloured. */
export function failureText(e: HostError, p: Printer): string {
  return p.c.red(`${KIND_LABEL[e.kind]}: ${e.message}`);
}
