// DIRECTOR_TRACE=1 prints timestamped steps on stderr: for finding where a run spends its time.
const on = process.env['DIRECTOR_TRACE'] !== undefined && process.env['DIRECTOR_TRACE'] !== '';
const t0 = performance.now();

export function trace(what: string): void {
  if (on) process.stderr.write(`[trace ${(performance.now() - t0).toFixed(1).padStart(8)} ms] ${what}\n`);
}
