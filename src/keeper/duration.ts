// --persist as OpenSSH's ControlPersist reads it: a time (600, 10m, 1h30m; s m h d w) or
// yes/forever for no idle limit. Pure.
import { UsageError } from '../config/errors.js';

const UNIT_MS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds; 0 means "until disconnect". */
export function parsePersist(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'yes' || t === 'forever') return 0;
  if (!/^(\d+[smhdw]?)+$/.test(t)) throw new UsageError(`--persist wants a time such as 600, 10m or 1h30m, or forever (got "${text}")`);
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)([smhdw]?)/g)) ms += Number(n) * (UNIT_MS[unit ?? ''] ?? 1000);
  if (ms <= 0) throw new UsageError(`--persist must be longer than 0 (got "${text}"); forever keeps the connections until disconnect`);
  return ms;
}

/** 600000 → "10m", 0 → "forever". */
export function describePersist(ms: number): string {
  if (ms === 0) return 'forever';
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, s] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${unit}`);
      rest %= s;
    }
  }
  return parts.join('') || '0s';
}
