// What a director process offers to a keeper before loading anything else (bin/director.cts):
// never help, version or --no-keeper (those are this process's), and only keepers of this
// user running this very build (a keeper started before a rebuild runs other code).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keepers, keeperWanted } from '../../src/keeper/client.cjs';
import { buildId, keeperPaths, type KeeperCard } from '../../src/keeper/place.cjs';
import { tempDir } from '../support/temp.js';

test('help, version, --no-keeper and DIRECTOR_NO_KEEPER stay here; words after -- do not count', () => {
  const table: Array<[string[], boolean]> = [
    [['exec', '--', 'true'], true],
    [['-w', 'node[1-4]', 'run', 'job.sh'], true],
    [[], false],
    [['help', 'exec'], false],
    [['exec', '--help'], false],
    [['-h'], false],
    [['-V'], false],
    [['--version'], false],
    [['--no-keeper', 'exec', '--', 'true'], false],
    [['exec', '--', 'grep', '--help', 'f'], true],
    [['exec', '--', 'echo', '--no-keeper'], true],
  ];
  for (const [argv, want] of table) assert.is(keeperWanted(argv, {}), want, argv.join(' '));
  assert.is(keeperWanted(['exec', '--', 'true'], { DIRECTOR_NO_KEEPER: '1' }), false);
  assert.is(keeperWanted(['exec', '--', 'true'], { DIRECTOR_NO_KEEPER: '0' }), true);
});

test('only the cards of this build, with a card and socket of our own', () => {
  const runtime = tempDir('director-lane-');
  const env = { XDG_RUNTIME_DIR: runtime };
  const dir = join(runtime, 'director');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  const card = (key: string, build: string): KeeperCard => {
    const paths = keeperPaths(dir, key);
    const c: KeeperCard = { pid: 1, token: 't', key, clientsFile: '/c', startedAt: 0, persistMs: 0, build };
    writeFileSync(paths.card, JSON.stringify(c), { mode: 0o600 });
    writeFileSync(paths.socket, '', { mode: 0o600 });
    return c;
  };
  card('aa', buildId());
  card('bb', 'an older build');
  card('cc', buildId());
  chmodSync(keeperPaths(dir, 'cc').socket, 0o666); // someone else could have put it there
  assert.equal(
    keepers(env).map((k) => k.card.key),
    ['aa'],
  );
});

test('the keeper for the clients file the command line names is tried first', () => {
  const runtime = tempDir('director-lane-');
  const env = { XDG_RUNTIME_DIR: runtime };
  const dir = join(runtime, 'director');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const [key, clientsFile] of [['a1', '/a/clients.conf'], ['b2', '/b/clients.conf'], ['c3', '/w/config/clients.conf']]) {
    const paths = keeperPaths(dir, key!);
    writeFileSync(paths.card, JSON.stringify({ pid: 1, token: 't', key, clientsFile, startedAt: 0, persistMs: 0, build: buildId() }), { mode: 0o600 });
    writeFileSync(paths.socket, '', { mode: 0o600 });
  }
  const first = (argv: string[], e: Record<string, string> = {}) => keepers({ ...env, ...e }, argv, '/w')[0]?.card.key;
  assert.is(first(['-c', '/b/clients.conf', 'exec', '--', 'true']), 'b2');
  assert.is(first(['--clients=../b/clients.conf', 'exec']), 'b2');
  assert.is(first(['exec'], { DIRECTOR_CLIENTS: '/a/clients.conf' }), 'a1');
  assert.is(first(['exec']), 'c3', './config/clients.conf of the folder');
  assert.is(keepers(env, ['exec'], '/w').length, 3, 'the others are still tried');
});

test.run();
