// A package registry on loopback made of the packages in node_modules, so that `npm install
// -g <tarball>` can run for real (resolving and fetching every dependency) with no network:
// each installed package is served as a packument and a tarball made from its folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface Served {
  manifest: Record<string, unknown>;
  dir: string;
  tgz?: Buffer;
}

/** Every package folder under a node_modules (nested ones too), by name, then version. */
function packagesIn(nodeModules: string, into = new Map<string, Map<string, Served>>()): Map<string, Map<string, Served>> {
  if (!existsSync(nodeModules)) return into;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((n) => join(nodeModules, entry, n)) : [join(nodeModules, entry)];
    for (const dir of dirs) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { name: string; version: string };
      const versions = into.get(manifest.name) ?? new Map<string, Served>();
      versions.set(manifest.version, { manifest, dir });
      into.set(manifest.name, versions);
      packagesIn(join(dir, 'node_modules'), into);
    }
  }
  return into;
}

/** A package tarball as npm makes them: the folder under `package/`, gzipped. */
function tarball(dir: string): Buffer {
  return execFileSync('tar', ['-cz', '-C', dir, '--exclude=./node_modules', '--transform', 's,^\\.,package,', '.'], { maxBuffer: 256 * 1024 * 1024 });
}

const KEEP = ['name', 'version', 'dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'type'];

export interface LocalRegistry {
  url: string;
  close(): Promise<void>;
}

export async function startLocalRegistry(nodeModules: string): Promise<LocalRegistry> {
  const all = packagesIn(nodeModules);
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
    const tgz = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tgz) {
      const served = all.get(tgz[1]!)?.get(tgz[2]!);
      if (!served) return void res.writeHead(404).end();
      served.tgz ??= tarball(served.dir);
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(served.tgz);
    }
    // (The tarballs are made on first request, synchronously: this server must not share its
    // process with a spawnSync of npm.)
    const versions = all.get(path);
    if (!versions) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const doc = { name: path, 'dist-tags': { latest: [...versions.keys()].pop() }, versions: {} as Record<string, unknown> };
    for (const [version, served] of versions) {
      served.tgz ??= tarball(served.dir);
      const m = Object.fromEntries(KEEP.filter((k) => served.manifest[k] !== undefined).map((k) => [k, served.manifest[k]]));
      const base = path.split('/').pop();
      const integrity = `sha512-${createHash('sha512').update(served.tgz).digest('base64')}`;
      doc.versions[version] = { ...m, dist: { tarball: `${url}${path}/-/${base}-${version}.tgz`, integrity } };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
