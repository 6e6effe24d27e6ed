// Hostile clients.conf and port.conf: garbage, NUL bytes, a 1 MB line, bad IPv6 forms, ranges
// of 100 000 hosts, a file whose lines add up past the limit, duplicates. Every command stops
// with exit 2 and `file:line: reason`, before any client is contacted (a listening server
// counts who came) and before anything is written.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector, type CliResult } from '../support/cli.js';
import { makeData } from '../support/data-files.js';
import { LocalEnv } from '../support/local-env.js';
import { loginArgs } from '../support/login-args.js';
import { record } from '../support/reliability.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/hostile-config.test.ts';
const dir = tempDir('director-conf-');
let watch: SilentServer;
let watch6: SilentServer;

test.before(async () => {
  watch = await silentServer('127.0.0.79');
  watch6 = await silentServer('::1');
});
test.after(async () => {
  await watch.close();
  await watch6.close();
});

/** A file of `lines`, where GOOD is a client that listens (so a connection would be seen). */
function confFile(name: string, text: string): string {
  const file = join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.conf`);
  writeFileSync(file, text.replace(/GOOD/g, `127.0.0.79:${watch.port}`));
  return file;
}

/** Every command that reads clients.conf, each given what it needs to go ahead. */
function commandsIn(cwd: string): string[][] {
  const data = makeData(['a_1.txt', 'b_2.txt']);
  writeFileSync(join(cwd, 's.sh'), 'echo hi\n');
  return [['status', '--ssh'], ['mkdir', '~', 'x'], ['exec', '--', 'true'], ['run', 's.sh'], ['data', data.dir, 'p']];
}

/** With a key and a known_hosts file, a command that got past clients.conf would really connect. */
const sshArgs = (file: string) => loginArgs(file, dir);

interface Refusal {
  slowestMs: number;
  connections: number;
  codes: Set<number | null>;
  commands: Set<string>;
}

let turn = 0;

/**
 * Each case is run by the next command in turn (so every command meets every kind of bad
 * file) and must refuse with exit 2 naming file, line and reason, print nothing on stdout,
 * keep its error short, and leave its working folder as it was.
 */
async function refuseAll(cases: ReadonlyArray<readonly [string, string, RegExp]>): Promise<Refusal> {
  const before = watch.connections() + watch6.connections();
  const out: Refusal = { slowestMs: 0, connections: 0, codes: new Set(), commands: new Set() };
  for (const [name, text, why] of cases) {
    const file = confFile(name, text);
    const cwd = tempDir('director-conf-cwd-');
    const all = commandsIn(cwd);
    const cmd = all[turn++ % all.length]!;
    const t0 = Date.now();
    const r: CliResult = await runDirector([...sshArgs(file), ...cmd], { cwd });
    out.slowestMs = Math.max(out.slowestMs, Date.now() - t0);
    out.codes.add(r.code);
    out.commands.add(cmd[0]!);
    const what = `${name} (${cmd[0]})`;
    assert.is(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, file, `${what} names the file`);
    assert.match(r.stderr, why, `${what}: ${r.stderr.slice(0, 300)}`);
    assert.ok(r.stderr.length < 2000, `${what} printed ${r.stderr.length} bytes of error`);
    assert.is(r.stdout, '', `${what} printed on stdout`);
    // Nothing half-done on the director: no placement record, no output folder.
    assert.equal(readdirSync(cwd), ['s.sh'], what);
  }
  out.connections = watch.connections() + watch6.connections() - before;
  return out;
}

const figure = (r: Refusal, cases: number) => `${cases} files (${[...r.commands].join(', ')}): exit ${[...r.codes].join('/')}, ${r.connections} connections`;

test('control: with a good clients.conf the same options do connect (so 0 connections below means refused)', async () => {
  const before = watch.connections();
  const r = await runDirector([...sshArgs(confFile('good', 'GOOD\n')), 'status', '--ssh']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /SSH connect-timeout/);
  assert.is(watch.connections() - before, 1);
});

const GARBAGE: Array<[string, string, RegExp]> = [
  ['bad port', 'GOOD\nnode1:99999\n', /:2: bad port .*"node1:99999"/],
  ['empty host', 'GOOD\nalice@\n', /:2: empty host/],
  ['unbalanced range', 'GOOD\n\n# c\nnode[1-3\n', /:4: unbalanced "\[".*"node\[1-3"/],
  ['reversed range', 'GOOD\nnode[9-1]\n', /:2: reversed range/],
  ['empty list', '# only a comment\n', /no clients listed/],
  ['NUL byte', 'GOOD\nno\0de1\n', /:2: bad host name: "no\\u0000de1"/],
  ['binary garbage', `GOOD\n${'\x7fELF\x02\x01\x01\0\0\0\0'}\n`, /:2: (bad host name|one client per line)/],
  ['escape sequences', 'GOOD\n\x1b[2J\x1b]0;pwned\x07\n', /:2: bad host name: "\\u001b\[2J\\u001b\]0;pwned\\u0007"/],
  ['option-looking host', 'GOOD\n-oProxyCommand=touch_PWNED\n', /:2: bad host name/],
  ['1 MB line', `GOOD\n${'a'.repeat(1 << 20)}\n`, /:2: line longer than 1024 characters: "a+…" \(1048576 characters\)/],
  ['1 MB line without a newline', `GOOD\n${'b['.repeat(1 << 19)}`, /:2: line longer than 1024 characters/],
];

test('garbage lines, NUL bytes, escape sequences, a 1 MB line: exit 2, file and line named, nothing sent', async () => {
  const worst = await refuseAll(GARBAGE);
  assert.is(worst.connections, 0, 'a client was contacted');
  record({
    id: 'config-garbage',
    area: 'hostile',
    case: 'clients.conf with garbage, NUL bytes, escape sequences or a 1 MB line',
    does: 'Stops before contacting any client: exit 2 with file:line, the reason and the line quoted (cut to 120 characters)',
    detectMs: worst.slowestMs,
    figure: figure(worst, GARBAGE.length),
    test: TEST,
  });
});

const IPV6_BAD: Array<[string, RegExp]> = [
  ['[:::]', /:2: bad IPv6 address/],
  ['1:2:3', /:2: bad IPv6 address \(write \[addr\]:port to give a port\)/],
  ['[::1', /:2: bad IPv6 address/],
  ['[::1]x', /:2: unexpected text after "\]"/],
  ['[::1]:', /:2: bad port/],
  ['alice@[::1]:70000', /:2: bad port/],
  ['[fe80::1%]', /:2: bad IPv6 address/],
];

test('IPv6: [::1]:port and user@[::1]:port reach the server; bad forms are exit 2 with nothing sent', async () => {
  const good = confFile('ipv6-good', `[::1]:${watch6.port}\nalice@[::1]:${watch6.port}\n`);
  const before = watch6.connections();
  const ok = await runDirector([...sshArgs(good), 'status', '--ssh']);
  assert.is(ok.code, 1, ok.stdout + ok.stderr);
  assert.match(ok.stdout, `Client: [::1]:${watch6.port} `);
  assert.match(ok.stdout, `Client: alice@[::1]:${watch6.port} `);
  assert.match(ok.stdout, /SSH connect-timeout/);
  assert.is(watch6.connections() - before, 2, 'each IPv6 client is contacted once, at ::1');

  const worst = await refuseAll(IPV6_BAD.map(([line, why]) => [`ipv6 ${line}`, `[::1]:${watch6.port}\n${line}\n`, why] as const));
  assert.is(worst.connections, 0, 'a client was contacted');
  record({
    id: 'config-ipv6-forms',
    area: 'hostile',
    case: 'clients.conf IPv6 forms: [::1]:port, user@[::1]:port and bad ones ([:::], 1:2:3, [::1, [::1]:)',
    does: 'Good forms connect to ::1; a bad one stops everything with exit 2 and its file:line',
    detectMs: worst.slowestMs,
    figure: `2/2 good forms reached ::1; ${figure(worst, IPV6_BAD.length)}`,
    test: TEST,
  });
});

test('a range of 100 000 hosts, and lines that add up past 10 000 clients: refused at once, nothing sent', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['range 100000', 'GOOD\nnode[1-100000]\n', /:2: range expands to more than 10000 names/],
    ['range product', 'GOOD\nr[1-1000]c[1-1000]\n', /:2: range expands to more than 10000 names/],
    ['range parts', `GOOD\nn[${Array.from({ length: 100 }, () => '1-9999').join(',')}]\n`, /:2: range expands to more than 10000 names/],
    ['file total', `GOOD\n${Array.from({ length: 20 }, (_, i) => `h${i}n[1-5000]`).join('\n')}\n`, /:3: more than 10000 clients in the file \(5001 before this line\)/],
  ];
  const worst = await refuseAll(cases);
  assert.is(worst.connections, 0, 'a client was contacted');
  // Refusing is counting, not building 100 000 names: a command still exits in about its start-up time.
  assert.ok(worst.slowestMs < 10_000, `slowest refusal ${worst.slowestMs} ms`);
  record({
    id: 'config-range-limit',
    area: 'hostile',
    case: 'clients.conf ranges of 100 000 hosts (one range, a product, many parts, many lines)',
    does: 'Counts before expanding and refuses above 10 000 clients per file: exit 2 naming the line',
    detectMs: worst.slowestMs,
    figure: figure(worst, cases.length),
    test: TEST,
  });
});

test('duplicates, however spelt (case, default port, IPv6 brackets, overlapping ranges): both lines named, nothing sent', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['duplicate', 'GOOD\nGOOD\n', /:2: duplicate client .*\(also on line 1\)/],
    ['duplicate case', 'GOOD\nnode1\nNODE1\n', /:3: duplicate client NODE1 \(also on line 2\)/],
    ['duplicate default port', 'GOOD\nnode1\nnode1:22\n', /:3: duplicate client node1:22 \(also on line 2\)/],
    ['duplicate ipv6', 'GOOD\n::1\n[::1]:22\n', /:3: duplicate client \[::1\]:22 \(also on line 2\)/],
    ['duplicate range', 'GOOD\nn[1-3]\nn[3-5]\n', /:3: duplicate client n3 \(also on line 2\)/],
  ];
  const worst = await refuseAll(cases);
  assert.is(worst.connections, 0, 'a client was contacted');
  record({
    id: 'config-duplicates',
    area: 'hostile',
    case: 'clients.conf naming one client twice (case, default port, [::1] vs ::1, overlapping ranges)',
    does: 'Stops before contacting any client: exit 2 naming both lines',
    detectMs: worst.slowestMs,
    figure: figure(worst, cases.length),
    test: TEST,
  });
});

test('port.conf with garbage, NUL, a 1 MB line or 1000 ports: start_local and ping exit 2, no service started', async () => {
  const env = await LocalEnv.create(1);
  try {
    const cases: Array<[string, string, RegExp]> = [
      ['NUL', `${env.ports[0]}\n15\x0001\n`, /:2: bad port/],
      ['two on a line', `${env.ports[0]} 15002\n`, /:1: bad port/],
      ['1 MB line', `${env.ports[0]}\n${'9'.repeat(1 << 20)}\n`, /:2: bad port \(want 1-65535\): "9+…" \(1048576 characters\)/],
      ['duplicate', `${env.ports[0]}\n${env.ports[0]}\n`, /:2: duplicate port/],
      ['1000 ports', Array.from({ length: 1000 }, (_, i) => 30000 + i).join('\n'), /:65: more than 64 ports \(each is a process\)/],
    ];
    let slowestMs = 0;
    const codes = new Set<number | null>();
    for (const [name, text, why] of cases) {
      const file = join(env.dir, `${name.replace(/ /g, '-')}.conf`);
      writeFileSync(file, text);
      for (const cmd of ['start_local', 'ping']) {
        const t0 = Date.now();
        const r = await runDirector(['--ports', file, cmd], { cwd: env.dir });
        slowestMs = Math.max(slowestMs, Date.now() - t0);
        codes.add(r.code);
        assert.is(r.code, 2, `${name} ${cmd}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, file);
        assert.match(r.stderr, why, `${name} ${cmd}: ${r.stderr.slice(0, 300)}`);
      }
    }
    const started = env.servicePids().length;
    assert.is(started, 0, 'a service was started');
    assert.not.ok(existsSync(env.stateFile), 'a state file was written');
    record({
      id: 'config-ports-garbage',
      area: 'hostile',
      case: 'port.conf with garbage, NUL bytes, a 1 MB line, duplicates or 1000 ports',
      does: 'start_local and ping stop with exit 2 and file:line; no service is started above 64 ports',
      processesLeft: started,
      detectMs: slowestMs,
      figure: `${cases.length} files × 2 commands: exit ${[...codes].join('/')}, 0 services started`,
      test: TEST,
    });
  } finally {
    await env.cleanup();
  }
});

test.run();
