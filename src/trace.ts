// DIRECTOR_TRACE=1 prints timestamped steps on stderr: for finding where a run spends its time.
const on = process.env['DIRECTOR_TRACE'] !== undefined && process.env['DIRECTOR_TRACE'] !== '';
// Times are from the start of the process (performance.timeOrigin).
const t0 = 0;

export function trace(what: string): void {
  if (on) process.stderr.write(`[trace ${(performance.now() - t0).toFixed(1).padStart(8)} ms] ${what}\n`);
}
