// Round-trip times of repeated pings, summarised. Pure.

export interface RttSummary {
  min: number;
  avg: number;
  max: number;
}

export function summarize(times: readonly number[]): RttSummary | undefined {
  if (times.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const t of times) {
    min = Math.min(min, t);
    max = Math.max(max, t);
    sum += t;
  }
  return { min, avg: sum / times.length, max };
}
