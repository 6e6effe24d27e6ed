// A run id names one run's output folder: it sorts by start time to the millisecond (UTC,
// so a clock change for summer time cannot reorder runs), and a random tail keeps two runs
// started in the same millisecond (on one director or two sharing a folder) apart.
import { randomBytes } from 'node:crypto';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `20261123-111500.123-ab12` for 2026-11-23 11:15:00.123 UTC. */
export function makeRunId(at: Date = new Date(), tail: string = randomBytes(2).toString('hex')): string {
  const day = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const time = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}`;
  return `${day}-${time}-${tail}`;
}

export const RUN_ID = /^\d{8}-\d{6}\.\d{3}-[0-9a-f]{4}$/;
