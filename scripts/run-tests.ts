// `npm test`: the compiled test files in a few uvu processes at once. Most of a test's time is
// spent waiting on sshd hosts, not on this machine's cores, so shards cut the wall time; each
// shard's clusters claim their own addresses (test/support/nets.ts). A shard's output is
// printed whole when it ends, and the last lines are uvu's summary for the whole run
// (`Total:` and `Passed:`, which .ci/run reads).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = 'dist/test';
const shards = Math.max(1, Number(process.env['DIRECTOR_TEST_SHARDS'] ?? 3));
const only = process.argv[2] === undefined ? undefined : new RegExp(process.argv[2]);

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.js') ? [path] : [];
    });
}

/** Heavier folders first, dealt round-robin, so every shard gets a share of the slow files. */
function deal(files: string[]): string[][] {
  const weight = (f: string) => (f.includes('/reliability/') ? 0 : f.includes('/e2e/') ? 1 : 2);
  const sorted = [...files].sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
  const out: string[][] = Array.from({ length: shards }, () => []);
  sorted.forEach((f, i) => out[i % shards]!.push(f));
  return out.filter((s) => s.length > 0);
}

interface ShardResult {
  output: string;
  code: number;
  total: number;
  passed: number;
  skipped: number;
}

function runShard(files: string[], n: number): Promise<ShardResult> {
  const names = files.map((f) => relative(ROOT, f).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = `^(${names.join('|')})$`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/uvu/bin.js', ROOT, pattern, '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('close', (code) => {
      const count = (label: string) => Number(new RegExp(`^\\s*${label}:\\s*(\\d+)`, 'm').exec(output)?.[1] ?? 0);
      process.stdout.write(`\n===== shard ${n + 1}/${shards}: ${files.length} files =====\n${output}`);
      resolve({ output, code: code ?? 1, total: count('Total'), passed: count('Passed'), skipped: count('Skipped') });
    });
  });
}

const files = testFiles(ROOT).filter((f) => only === undefined || only.test(relative(ROOT, f)));
const started = Date.now();
const results = await Promise.all(deal(files).map(runShard));
const total = results.reduce((s, r) => s + r.total, 0);
const passed = results.reduce((s, r) => s + r.passed, 0);
const skipped = results.reduce((s, r) => s + r.skipped, 0);
// A shard that died before its summary counts as one failure more.
const lost = results.filter((r) => r.total === 0 && r.code !== 0).length;
process.stdout.write(`\n===== all shards =====\n  Total:     ${total + lost}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  ${Date.now() - started}ms\n`);
process.exitCode = results.some((r) => r.code !== 0) || passed < total ? 1 : 0;
