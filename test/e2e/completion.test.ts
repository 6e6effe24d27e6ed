// `director completion bash|zsh|fish`: the scripts complete commands, options (the global ones
// too), option values, and the groups, hosts and projects director reads at completion time.
// bash is driven through its completion function, fish through `complete -C`, zsh as a person
// uses it: an interactive shell on a pseudo-terminal, Tab typed.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECTOR_BIN, directorEnv, runDirector } from '../support/cli.js';
import { envelopeOf } from '../support/json-schema.js';
import { inPty, screen } from '../support/pty.js';
import { tempDir } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

const cwd = tempDir('director-completion-');
const bin = join(cwd, 'bin');
mkdirSync(bin);
// The scripts call `director completion --values …`: a `director` on PATH, as once installed.
writeFileSync(join(bin, 'director'), `#!/bin/sh\nexec '${process.execPath}' '${DIRECTOR_BIN}' "$@"\n`);
chmodSync(join(bin, 'director'), 0o755);
writeFileSync(join(cwd, 'clients.conf'), 'solo\n[web]\nweb[1-2]\n[db]\ndb1\n');
for (const p of ['tweets', 'logs']) {
  mkdirSync(join(cwd, '.director', p), { recursive: true });
  writeFileSync(join(cwd, '.director', p, 'placement.json'), '{}');
}
mkdirSync(join(cwd, '.director', 'sandbox'));
const env = { ...directorEnv(), PATH: `${bin}:${process.env['PATH']}` };

async function script(shell: string): Promise<string> {
  const r = await runDirector(['completion', shell], { cwd });
  assert.is(r.code, 0, r.stderr);
  const file = join(cwd, `director.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** What bash offers for the words typed, the last one being completed. */
function bash(file: string, words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _director; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd, env, encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '');
}

/** What fish offers for this command line (first column of `complete -C`). */
function fish(file: string, line: string): string[] {
  const out = execFileSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { cwd, env, encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!);
}

test('bash: commands, options with the global ones, values, groups, hosts and projects', async () => {
  const f = await script('bash');
  assert.equal(bash(f, ['director', 'ex']), ['exec']);
  assert.equal(bash(f, ['director', 'sandbox', '']), ['up', 'down']);
  assert.equal(bash(f, ['director', 'exec', '--fo']), ['--fold']);
  const execOpts = bash(f, ['director', 'exec', '-']);
  for (const o of ['-q', '--inline', '-t', '--timeout', '-H', '-c']) assert.ok(execOpts.includes(o), `${o} in ${execOpts.join(' ')}`);
  assert.not.ok(execOpts.includes('--ssh'), 'status\'s option is not exec\'s');
  assert.equal(bash(f, ['director', '--host-key-checking', 'a']), ['accept-new']);
  assert.equal(bash(f, ['director', '-c', 'clients.conf', '-g', '']), ['web', 'db']);
  assert.equal(bash(f, ['director', '-c', 'clients.conf', 'exec', '-H', 'web']), ['web1', 'web2']);
  assert.equal(bash(f, ['director', 'data', 'somewhere', '']), ['logs', 'tweets']);
  assert.equal(bash(f, ['director', 'data', '--list', 't']), ['tweets']);
  assert.equal(bash(f, ['director', '-t', '5', 'ru']), ['run'], 'an option\'s value is not taken for the command');
});

test('fish: commands with descriptions, options, groups and projects', async () => {
  const f = await script('fish');
  assert.equal(fish(f, 'director ex'), ['exec']);
  assert.ok(fish(f, 'director exec --fo').includes('--fold'));
  assert.ok(fish(f, 'director exec --ti').includes('--timeout'), 'the global options inside a command');
  assert.equal(fish(f, 'director -c clients.conf -g ').sort(), ['db', 'web']);
  assert.equal(fish(f, 'director data somewhere ').sort(), ['logs', 'tweets']);
  assert.equal(fish(f, 'director sandbox ').sort(), ['down', 'up']);
});

/** What an interactive zsh (on a pseudo-terminal) shows after Tab at the end of `line`. */
async function zsh(file: string, line: string, expect: RegExp): Promise<string> {
  const sh = inPty(['zsh', '-f', '-i'], { cols: 200, cwd, env: { PATH: env.PATH, PS1: '%% ' } });
  try {
    sh.type(`autoload -U compinit && compinit -u -D && source '${file}'\n`);
    sh.type(`${line}\t`);
    await waitUntil(() => expect.test(screen(sh.output()).join('\n')), 15_000, `zsh completing "${line}" to ${expect}`).catch((e: Error) => {
      throw new Error(`${e.message}; the screen:\n${screen(sh.output()).join('\n')}`);
    });
    return screen(sh.output()).join('\n');
  } finally {
    // Ctrl-U empties the line (Ctrl-C would make the terminal drop what is typed after it).
    sh.type('\x15exit\n');
    await sh.done;
  }
}

test('zsh: valid syntax; an interactive zsh completes commands, option descriptions, hosts and projects', async () => {
  const f = await script('zsh');
  execFileSync('zsh', ['-n', f]);
  await zsh(f, 'director sand', /director sandbox$/m);
  await zsh(f, 'director exec --ti', /--timeout\b/);
  const subs = await zsh(f, 'director sandbox ', /^up +-- start K local sshd hosts/m);
  assert.match(subs, /^down +-- stop the sandbox hosts/m);
  const hosts = await zsh(f, 'director -c clients.conf -H web', /web2/);
  assert.match(hosts, /web1/);
  assert.not.match(hosts, /solo|db1/);
  await zsh(f, 'director data somewhere t', /director data somewhere tweets$/m);
});

test('a shell it does not know is a usage error; --json carries the script in the envelope', async () => {
  const bad = await runDirector(['completion', 'tcsh'], { cwd });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /completion: name a shell: bash, zsh, fish \(got "tcsh"\)/);
  const j = await runDirector(['--json', 'completion', 'fish'], { cwd });
  const doc = envelopeOf(j.stdout);
  assert.is(doc['shell'], 'fish');
  assert.match(String(doc['script']), /^# director completion for fish/);
});

test.run();
