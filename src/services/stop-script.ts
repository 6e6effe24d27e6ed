// Stopping a service on a client, and knowing it stopped: TERM to every process of its
// session (and their descendants), a grace period, then the verified kill of remote/kill.ts
// (freeze, kill, check) on whatever is left. "stopped" is said only when none is left.
import { freezeKillCode } from '../remote/kill.js';
import { answerToken, underSh } from '../remote/posix.js';
import { quote } from '../remote-shell.js';
import { procLib } from './proc-sh.js';
import { serviceDir } from './names.js';

/**
 * sh function `stop_service GRACE`, run in the service's folder. Sets `$stopped` to `term`
 * (gone after TERM), `kill` (KILL after the grace), `notrunning` or `none` (no such service),
 * and `$left` to the pids still alive afterwards (empty: all gone). Writes ./stop first, so
 * the supervisor never restarts what is being stopped.
 */
export function stopFunction(): string {
  return [
    'stop_service() {',
    '  left=; supervisor',
    '  case $sup in none) stopped=none; return;; reused|gone) : > stop; stopped=notrunning; return;; esac',
    '  : > stop',
    '  pids=$(members "$P")',
    '  if [ -z "$pids" ]; then stopped=notrunning; return; fi',
    '  kill -TERM $pids 2>/dev/null',
    // The grace is timed by /proc/uptime (hundredths of a second), not counted in naps.
    '  centis; end=$((c + $1 * 100))',
    '  while [ -n "$(members "$P")" ] && { centis; [ "$c" -lt "$end" ]; }; do nap; done',
    '  if [ -z "$(members "$P")" ]; then stopped=term; return; fi',
    '  collect() { members "$P"; }',
    freezeKillCode('collect'),
    '  stopped=kill',
    '}',
  ].join('\n');
}

export type StopAnswer =
  | { outcome: 'stopped'; how: 'term' | 'kill' }
  | { outcome: 'not-running' }
  | { outcome: 'no-such-service' }
  | { outcome: 'kill-failed'; left: number[] };

/** Reads `stop_service`'s `$stopped` and `$left` as printed by `stopReport`. */
export function parseStopWords(words: readonly string[]): StopAnswer | undefined {
  const [stopped, ...left] = words;
  const pids = left.filter((w) => /^\d+$/.test(w)).map(Number);
  if ((stopped === 'term' || stopped === 'kill') && pids.length > 0) return { outcome: 'kill-failed', left: pids };
  if (stopped === 'term' || stopped === 'kill') return { outcome: 'stopped', how: stopped };
  if (stopped === 'notrunning') return { outcome: 'not-running' };
  if (stopped === 'none') return { outcome: 'no-such-service' };
  return undefined;
}

/** sh: prints `<token> stop <stopped> <left pids…>`. */
export function stopReport(token: string): string {
  return `printf '%s stop %s %s\\n' ${token} "$stopped" "$left"`;
}

export interface StopScript {
  command: string;
  token: string;
}

/** The whole stop of service `name`, under /bin/sh. */
export function stopScript(name: string, graceS: number): StopScript {
  const token = answerToken();
  const code = [
    procLib(),
    stopFunction(),
    `cd ${quote(serviceDir(name))} 2>/dev/null || { printf '%s stop none\\n' ${token}; exit 0; }`,
    `stop_service ${graceS}`,
    stopReport(token),
  ].join('\n');
  return { command: underSh(code), token };
}
