// Helpers for `data` tests: make a folder of files, and find where each one went.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataOptions } from '../../src/commands/data.js';
import { DEFAULT_REMOTE_ROOT, readPlacementRecord, type PlacedFile } from '../../src/transfer/placement-record.js';
import { DEFAULT_EXTENSIONS } from '../../src/transfer/scan.js';
import type { TestCluster } from './cluster.js';
import { tempDir } from './temp.js';

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export interface Made {
  dir: string;
  files: Map<string, Buffer>;
}

/** A fresh folder with the given relative paths, each with `size` random bytes (default 200..2200). */
export function makeData(paths: readonly string[], size?: (rel: string) => number): Made {
  const dir = tempDir('director-data-');
  const files = new Map<string, Buffer>();
  for (const rel of paths) {
    const data = randomBytes(size ? size(rel) : 200 + Math.floor(Math.random() * 2000));
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
    files.set(rel, data);
  }
  return { dir, files };
}

export function remoteFile(c: TestCluster, host: number, project: string, rel: string): string {
  return join(c.hosts[host]!.home, 'director/data', project, rel);
}

/** Indexes of the hosts that hold `rel` of `project` at its final name. */
export function holders(c: TestCluster, project: string, rel: string): number[] {
  return c.hosts.map((_, i) => i).filter((i) => existsSync(remoteFile(c, i, project, rel)));
}

export function remoteBytes(c: TestCluster, host: number, project: string, rel: string): Buffer {
  return readFileSync(remoteFile(c, host, project, rel));
}

/**
 * Every copy the placement record of `project` (under `cwd`) lists, as director reads it:
 * placement.json with the journal a running or killed run appends to folded in.
 */
export function recordedCopies(cwd: string, project: string): PlacedFile[] {
  return readPlacementRecord(join(cwd, '.director'), project)?.files ?? [];
}

/** The options of `director data <dir> <project>` run in `cwd`, with the CLI's defaults. */
export function dataOptions(dir: string, project: string, cwd: string, over: Partial<DataOptions> = {}): DataOptions {
  return {
    dir,
    project,
    remoteRoot: DEFAULT_REMOTE_ROOT,
    placement: 'mod',
    extensions: DEFAULT_EXTENSIONS,
    keep: false,
    force: false,
    stateDir: join(cwd, '.director'),
    wait: false,
    ...over,
  };
}
