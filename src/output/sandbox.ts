// Rendering of `director sandbox up/down`.
import { relative, resolve } from 'node:path';
import type { SandboxDownResult, SandboxUpResult } from '../commands/sandbox.js';
import { clientJson, envelope } from './envelope.js';
import type { Printer } from './printer.js';

export function renderSandboxUp({ state, exitCode }: SandboxUpResult, p: Printer): void {
  if (p.json) {
    const { hosts, version: _v, ...fields } = state;
    const clients = hosts.map(({ name, ...h }) => clientJson(name, true, 'up', undefined, h));
    p.document(envelope('sandbox up', exitCode, clients, fields));
    return;
  }
  const rel = (f: string) => relative(process.cwd(), f) || '.';
  p.line(p.c.green(`sandbox: ${state.hosts.length} sshd hosts up`) + (state.isolated ? ' (each with its own home and /tmp)' : ' (sharing this machine\'s home: run as root for per-host homes)'));
  for (const h of state.hosts) p.line(`  ${h.name}  home → ${h.home}`);
  p.line('');
  p.line('Use it with:');
  // Absolute paths: the line is pasted in other folders and other terminals too.
  p.line(`  export DIRECTOR_CLIENTS=${shellWord(state.clientsConf)} DIRECTOR_IDENTITY=${shellWord(state.identity)} DIRECTOR_KNOWN_HOSTS=${shellWord(state.knownHosts)}`);
  p.line('  director status --ssh');
  p.line(`Stop it with: director sandbox down${rel(state.dir) === '.director/sandbox' ? '' : ` --dir ${rel(state.dir)}`}`);
}

/** A path as one word for the local shell: quoted only when it needs it. */
function shellWord(path: string): string {
  const abs = resolve(path);
  return /^[\w@%+=:,./-]+$/.test(abs) ? abs : `'${abs.replace(/'/g, `'\\''`)}'`;
}

export function renderSandboxDown(r: SandboxDownResult, p: Printer): void {
  if (p.json) {
    p.document(envelope('sandbox down', r.exitCode, [], { dir: r.dir, stopped: r.stopped, found: r.found }));
    return;
  }
  p.line(r.found ? `sandbox: stopped ${r.stopped} hosts` : `sandbox: nothing running in ${r.dir}`);
}
