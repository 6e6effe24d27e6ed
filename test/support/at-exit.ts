// Cleanup that must run when the test process ends, whether tests passed, failed or the run
// was interrupted: one 'exit' hook for all of test/support, and signals turned into an exit.
const tasks: Array<() => void> = [];
let hooked = false;

export function atExit(task: () => void): void {
  tasks.push(task);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const t of tasks.splice(0)) {
      try {
        t();
      } catch {
        /* best effort: the others still run */
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
}
