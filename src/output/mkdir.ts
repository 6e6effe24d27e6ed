// Rendering of `director mkdir`.
import type { MkdirResult } from '../commands/mkdir.js';
import type { Printer } from './printer.js';
import { envelope, hostResultJson } from './envelope.js';
import { failureText, summaryLine } from './results.js';

export function renderMkdir({ target, results, exitCode }: MkdirResult, p: Printer): void {
  if (p.json) {
    p.document(envelope('mkdir', exitCode, results.map((r) => hostResultJson(r, (v) => (v.created ? 'created' : 'exists'), (v) => ({ path: v.path, created: v.created }))), { path: target }));
    return;
  }
  for (const r of results) {
    if (r.ok) p.line(`${r.value.created ? p.c.green('created') : p.c.yellow('exists')} ${r.value.path} @${r.client.name}`);
    else p.line(`${p.c.red('failed')} ${target} @${r.client.name}: ${failureText(r.error, p)}`);
  }
  p.line(summaryLine(results, p));
}
