// --foreground: pass on each attached service's request log until Ctrl-C or until all are gone.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export function watchForeground(
  children: ReadonlyMap<number, ChildProcess>,
  signal: AbortSignal,
  onLog: (port: number, text: string) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let alive = children.size;
    const finish = () => {
      signal.removeEventListener('abort', finish);
      resolve();
    };
    for (const [port, child] of children) {
      if (child.stdout) createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => onLog(port, line));
      child.once('exit', (code, sig) => {
        if (!signal.aborted) onLog(port, `service exited (${sig ?? `code ${code ?? '?'}`})`);
        if (--alive === 0) finish();
      });
    }
    if (signal.aborted || alive === 0) finish();
    else signal.addEventListener('abort', finish, { once: true });
  });
}
