// What the bastion tests do over and over on a BastionNet: exec on a setup's clients and keep
// what each printed, check that every client answered from its own host, wait until every
// client has printed something (to fault the bastion mid-command).
import * as assert from 'uvu/assert';
import { exec } from '../../src/commands/exec.js';
import type { RunEvents, RunOutcome } from '../../src/run/types.js';
import type { BastionNet, Setup } from './bastion-net.js';
import type { FleetOptions } from './cluster.js';
import { collectOutput } from './run-e2e.js';
import { within } from './timeout.js';

/** The inner hosts behind b1. */
export const JUMP_B1 = ['Host inner*', '  ProxyJump b1'];

export interface Ran {
  r: RunOutcome;
  /** What client `i` printed on stdout. */
  text(i: number): string;
}

/** exec `words` on the setup's clients. */
export async function execOn(s: Setup, words: string, o: FleetOptions = {}): Promise<Ran> {
  const out = collectOutput();
  const r = await within(60_000, `exec ${words}`, exec({ words: [words], gather: false, keepRemote: false }, { fleet: s.fleet(o), events: out.events }));
  return { r, text: (i) => out.text(i) };
}

/** Every client answered from its own host (its home's .name), and nobody went around a bastion. */
export function answeredByOwnHosts(net: BastionNet, got: Ran, clients: string[], what: string): void {
  assert.equal(
    got.r.hosts.map((h) => `${h.client.name} ${h.state}${h.error ? ` ${h.error.message}` : ''}`),
    clients.map((c) => `${c} success`),
    what,
  );
  clients.forEach((c, i) => assert.is(got.text(i), `${c}\n`, `${what}: ${c} answered`));
  assert.is(net.bypasses(), 0, `${what}: a connection went around the bastion`);
}

/** What each client ended as: `name kind: message`. */
export const failures = (r: RunOutcome): string[] => r.hosts.map((h) => `${h.client.name} ${h.error?.kind ?? h.state}: ${h.error?.message ?? ''}`);

/** Events that resolve `all` once each of `count` clients printed a line. */
export function firstLines(count: number): { events: RunEvents; all: Promise<void> } {
  const seen = new Set<number>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return {
    events: {
      lines(client) {
        seen.add(client.index);
        if (seen.size === count) done();
      },
    },
    all,
  };
}
