import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { envPrefix, quote, shellCommand } from '../../src/remote-shell.js';

const HOSTILE = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/director-pwned)',
  '`id`',
  'a;rm -rf /',
  '-rf',
  '--',
  '*',
  '~',
  '~/x',
  '$HOME',
  'a\nb',
  'tab\there',
  '\\',
  '!event',
  'ünïcödé ✓',
  '|&<>(){}[]#',
  "'; echo pwned; '",
  '=ls',
  '==x',
];

// zsh in its own mode too: director shell's resident loop runs in a zsh login shell as zsh.
for (const shell of ['sh', 'bash', 'dash', ...(existsSync('/bin/zsh') ? ['zsh'] : [])]) {
  test(`quoted words reach ${shell} unchanged`, () => {
    for (const word of HOSTILE) {
      const out = execFileSync(shell, ['-c', `printf '%s' ${quote(word)}`], { encoding: 'utf8' });
      assert.is(out, word, `word ${JSON.stringify(word)} through ${shell}`);
    }
  });
}

test('a command of many hostile words keeps every word whole', () => {
  const cmd = shellCommand(['printf', '%s|', ...HOSTILE]);
  const out = execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
  assert.is(out, HOSTILE.map((w) => `${w}|`).join(''));
});

test('safe words stay readable; NUL is refused', () => {
  assert.is(quote('dir/file_1.txt'), 'dir/file_1.txt');
  assert.is(quote('a b'), "'a b'");
  assert.throws(() => quote('a\0b'), /NUL/);
});

test('environment prefix quotes values and refuses bad names', () => {
  const prefix = envPrefix({ A: "it's $(x)", B: 'plain' });
  const out = execFileSync('sh', ['-c', `${prefix} sh -c 'printf "%s|%s" "$A" "$B"'`], { encoding: 'utf8' });
  assert.is(out, "it's $(x)|plain");
  assert.throws(() => envPrefix({ 'A;B': 'x' }), /bad environment variable name/);
});

test.run();
