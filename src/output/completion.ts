// Rendering of `director completion`: the script (or the names asked for) as it is.
import type { CompletionResult } from '../commands/completion.js';
import { envelope } from './envelope.js';
import type { Printer } from './printer.js';

export function renderCompletion(r: CompletionResult, p: Printer): void {
  if ('values' in r) {
    p.document(envelope('completion', r.exitCode, [], { values: r.values }));
    for (const v of r.values) p.line(v);
    return;
  }
  p.document(envelope('completion', r.exitCode, [], { shell: r.shell, script: r.script }));
  p.raw(r.script);
}
