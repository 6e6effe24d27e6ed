// 50 MB from one client stream through the director to its file and to the terminal
// without the director's memory growing with it (peak RSS, VmHWM, of the director process).
//
// What the numbers can say: at full speed ssh2 allocates a fresh buffer per SSH packet, and
// V8 frees such buffers in a full collection that it schedules once about 64 MB of them have
// piled up; a bare ssh2 client reading 50 MB here peaks ~35 MB above its idle size. So the
// thresholds below leave room for that, and the second test shows that the peak does not
// follow the amount of output, even when the terminal stops reading for a while.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedCluster } from '../support/cluster.js';
import { onlyRun, workDir } from '../support/run-e2e.js';
import { watchDirector, type WatchOptions } from '../support/run-spawn.js';

const MB = 1024 * 1024;
const LINE = 'a line of output that a busy client prints, 0123456789';
const mb = (kb: number) => (kb / 1024).toFixed(1);

async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function printing(bytes: number, name: string, extra: Partial<WatchOptions> = {}) {
  const c = await sharedCluster();
  const cwd = workDir('run-memory');
  writeFileSync(join(cwd, name), `#!/bin/sh\nyes '${LINE}' | head -c ${bytes}\n`);
  const started = Date.now();
  const w = watchDirector([...c.args(), '-H', c.hosts[0]!.name, 'run', name], { cwd, keepStdout: 4096, ...extra });
  const r = await w.done;
  assert.is(r.code, 0, r.stderr);
  return { ...r, cwd, host: c.hosts[0]!.name, ms: Date.now() - started };
}

let baseKb = 0;

test('50 MB printed by one client: live output and its file are whole; the director\'s peak memory stays well below it', async () => {
  const small = await printing(1000, 'small.sh');
  baseKb = small.peakKb;
  const big = await printing(50 * MB, 'big.sh');
  const expected = execFileSync('sh', ['-c', `yes '${LINE}' | head -c ${50 * MB} | md5sum`], { encoding: 'utf8' }).split(' ')[0];
  const { dir, summary } = onlyRun(join(big.cwd, 'output', 'big.sh'));
  const file = join(dir, big.host, 'stdout');
  assert.is(statSync(file).size, 50 * MB);
  assert.is(await md5File(file), expected);
  assert.is(summary.clients[0]?.stdout.md5, expected);
  // Live: every line came with its prefix (status lines come on top).
  const lines = Math.ceil((50 * MB) / (LINE.length + 1));
  assert.ok(big.stdoutBytes >= 50 * MB + lines * (big.host.length + 2), `live output ${big.stdoutBytes} bytes`);
  console.log(`    director peak RSS: printing little ${mb(small.peakKb)} MB, printing 50 MB ${mb(big.peakKb)} MB (+${mb(big.peakKb - small.peakKb)})`);
  assert.ok(small.peakKb > 0);
  // Holding the 50 MB would come on top of ssh2's transient buffers: beyond this line.
  assert.ok(big.peakKb - small.peakKb < 80 * 1024, `printing 50 MB raised the peak by ${mb(big.peakKb - small.peakKb)} MB`);
  rmSync(big.cwd, { recursive: true, force: true });
  rmSync(small.cwd, { recursive: true, force: true });
});

test('200 MB to a terminal that stops reading for 2 s: the client is held back, the peak does not follow the output', async () => {
  const r = await printing(200 * MB, 'huge.sh', { pauseStdoutMs: 2000 });
  console.log(`    director peak RSS printing 200 MB to a stalled reader: ${mb(r.peakKb)} MB (+${mb(r.peakKb - baseKb)}), ${r.ms} ms`);
  assert.ok(r.ms >= 2000, 'the output waited for the reader');
  assert.ok(r.stdoutBytes > 200 * MB);
  // Buffering what the reader does not take would add 200 MB.
  assert.ok(r.peakKb - baseKb < 110 * 1024, `+${mb(r.peakKb - baseKb)} MB`);
  rmSync(r.cwd, { recursive: true, force: true });
});

test.run();
