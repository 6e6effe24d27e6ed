// Where clients.conf and port.conf are found: -c, then DIRECTOR_CLIENTS, then ./config, then
// $XDG_CONFIG_HOME/director, then ~/.config/director; and what a missing file's error says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENTS_FILE, describeConfig, locateConfig, missingClientsFile, PORTS_FILE } from '../../src/cli/config-files.js';

const at = (files: string[]) => ({ cwd: '/w', home: '/h', exists: (f: string) => files.includes(f) });

const table: Array<[string, string | undefined, NodeJS.ProcessEnv, string[], string, string]> = [
  ['-c wins over everything', 'my.conf', { DIRECTOR_CLIENTS: '/e.conf' }, ['/w/config/clients.conf'], '/w/my.conf', '-c'],
  ['then DIRECTOR_CLIENTS, relative to the folder', undefined, { DIRECTOR_CLIENTS: 'e.conf' }, ['/w/config/clients.conf'], '/w/e.conf', 'DIRECTOR_CLIENTS'],
  ['then ./config', undefined, { XDG_CONFIG_HOME: '/x' }, ['/w/config/clients.conf', '/x/director/clients.conf'], '/w/config/clients.conf', './config'],
  ['then $XDG_CONFIG_HOME/director', undefined, { XDG_CONFIG_HOME: '/x' }, ['/x/director/clients.conf', '/h/.config/director/clients.conf'], '/x/director/clients.conf', '$XDG_CONFIG_HOME'],
  ['then ~/.config/director', undefined, { XDG_CONFIG_HOME: '/x' }, ['/h/.config/director/clients.conf'], '/h/.config/director/clients.conf', '~/.config'],
  ['a relative XDG_CONFIG_HOME is ignored (XDG spec)', undefined, { XDG_CONFIG_HOME: 'rel' }, ['/w/rel/director/clients.conf', '/h/.config/director/clients.conf'], '/h/.config/director/clients.conf', '~/.config'],
  ['none anywhere: ./config is the one named', undefined, {}, [], '/w/config/clients.conf', './config'],
  ['an empty DIRECTOR_CLIENTS counts as unset', undefined, { DIRECTOR_CLIENTS: '' }, ['/h/.config/director/clients.conf'], '/h/.config/director/clients.conf', '~/.config'],
];
for (const [what, given, env, files, file, from] of table) {
  test(what, () => {
    const c = locateConfig(CLIENTS_FILE, given, { env, ...at(files) });
    assert.is(c.file, file);
    assert.is(c.from, from);
  });
}

test('port.conf is looked for the same way', () => {
  const c = locateConfig(PORTS_FILE, undefined, { env: {}, ...at(['/h/.config/director/port.conf']) });
  assert.equal([c.file, c.from], ['/h/.config/director/port.conf', '~/.config']);
  assert.is(locateConfig(PORTS_FILE, undefined, { env: { DIRECTOR_PORTS: 'p' }, ...at([]) }).file, '/w/p');
});

test('-v says which file and why; a missing file says where it looked and how to give one', () => {
  const found = locateConfig(CLIENTS_FILE, undefined, { env: {}, ...at(['/h/.config/director/clients.conf']) });
  assert.is(describeConfig(found), '/h/.config/director/clients.conf (found in ~/.config)');
  assert.is(describeConfig(locateConfig(CLIENTS_FILE, 'a.conf', { env: {}, ...at([]) })), '/w/a.conf (given with -c)');
  const none = missingClientsFile(locateConfig(CLIENTS_FILE, undefined, { env: {}, ...at([]) })).message;
  for (const want of ['/w/config/clients.conf', '/h/.config/director/clients.conf', '-c FILE', 'DIRECTOR_CLIENTS=FILE', '-w', 'director sandbox up']) assert.ok(none.includes(want), `${want} in: ${none}`);
  const fromEnv = missingClientsFile(locateConfig(CLIENTS_FILE, undefined, { env: { DIRECTOR_CLIENTS: 'gone.conf' }, ...at([]) })).message;
  assert.match(fromEnv, /\/w\/gone\.conf does not exist \(set by DIRECTOR_CLIENTS\)/);
});

test.run();
