// Rendering of `director hosts`: names one per line, their count, or their folded set.
import type { HostsResult } from '../commands/hosts.js';
import { fold } from '../nodeset/fold.js';
import { clientJson, envelope } from './envelope.js';
import type { Printer } from './printer.js';

export function renderHosts(r: HostsResult, p: Printer): void {
  if (p.json) {
    p.document(envelope('hosts', r.exitCode, r.names.map((n) => clientJson(n, true, 'named')), { count: r.names.length, folded: fold(r.names) }));
    return;
  }
  if (r.mode === 'count') p.line(String(r.names.length));
  else if (r.mode === 'fold') p.line(fold(r.names));
  else if (r.names.length > 0) p.line(r.names.join('\n'));
}
