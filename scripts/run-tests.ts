// `npm test`: every compiled test file in a uvu process of its own, a few at once. Most of a
// test's time is spent waiting on sshd hosts, not on this machine's cores, so running files side
// by side cuts the wall time; each file's clusters claim their own addresses
// (test/support/nets.ts). A file of its own per process means one file's leftovers (an agent,
// a pty, a timer) cannot hold up another, and a file that hangs is stopped after its time limit
// and counted as a failure, so the run always ends with uvu's summary (`Total:` and `Passed:`,
// which .ci/run reads).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = 'dist/test';
const workers = Math.max(1, Number(process.env['DIRECTOR_TEST_JOBS'] ?? process.env['DIRECTOR_TEST_SHARDS'] ?? 3));
/** A file that runs longer than this is stopped and counted as failed (the longest take ~3 min alone). */
const fileLimitMs = Number(process.env['DIRECTOR_TEST_FILE_LIMIT_S'] ?? 480) * 1000;
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

/** Slow folders first, so the quick unit files fill the gaps at the end. */
function ordered(files: string[]): string[] {
  const weight = (f: string) => (f.includes('/reliability/') ? 0 : f.includes('/e2e/') ? 1 : 2);
  return [...files].sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
}

interface FileResult {
  file: string;
  output: string;
  code: number;
  total: number;
  passed: number;
  skipped: number;
  ms: number;
  timedOut: boolean;
}

function runFile(file: string): Promise<FileResult> {
  const name = relative(ROOT, file);
  const pattern = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const started = Date.now();
  return new Promise((resolve) => {
    // detached: its own process group, so a timeout stops whatever the file started too.
    const child = spawn(process.execPath, ['node_modules/uvu/bin.js', ROOT, pattern, '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop('SIGTERM');
      setTimeout(() => stop('SIGKILL'), 5000).unref();
    }, fileLimitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const count = (label: string) => Number(new RegExp(`^\\s*${label}:\\s*(\\d+)`, 'm').exec(output)?.[1] ?? 0);
      const ms = Date.now() - started;
      if (timedOut) output += `\n   FAIL  ${name} did not end within ${fileLimitMs / 1000} s and was stopped\n`;
      resolve({ file: name, output, code: code ?? 1, total: count('Total'), passed: count('Passed'), skipped: count('Skipped'), ms, timedOut });
    });
  });
}

async function pool(files: string[]): Promise<FileResult[]> {
  const queue = [...files];
  const results: FileResult[] = [];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const r = await runFile(f);
      // uvu's own summary lines are left out here; the run's summary comes at the end.
      const body = r.output.replace(/^\s*(Total|Passed|Skipped|Duration):.*$/gm, '').trimEnd();
      process.stdout.write(`\n${body}\n  (${(r.ms / 1000).toFixed(1)} s)\n`);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, files.length) }, worker));
  return results;
}

const files = ordered(testFiles(ROOT).filter((f) => only === undefined || only.test(relative(ROOT, f))));
const started = Date.now();
const results = await pool(files);
// A file that died or was stopped before its summary counts as one failure more.
const lost = results.filter((r) => r.timedOut || (r.code !== 0 && r.total === r.passed));
const total = results.reduce((s, r) => s + r.total, 0) + lost.length;
const passed = results.reduce((s, r) => s + r.passed, 0);
const skipped = results.reduce((s, r) => s + r.skipped, 0);
const failedFiles = results.filter((r) => r.code !== 0 || r.passed < r.total).map((r) => r.file);
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `${r.file} ${(r.ms / 1000).toFixed(0)} s`);
process.stdout.write(
  `\n===== ${results.length} files, ${workers} at once =====\n` +
    `  slowest: ${slowest.join(', ')}\n` +
    (failedFiles.length > 0 ? `  failed files: ${failedFiles.join(', ')}\n` : '') +
    `  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  ${Date.now() - started}ms\n`,
);
process.exitCode = failedFiles.length > 0 || passed < total ? 1 : 0;
