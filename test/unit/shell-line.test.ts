// What a line typed at director shell means: a command for all clients, a group, -w names, or
// one of the shell's own `:` commands; bad ones say why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseShellLine } from '../../src/shell/line.js';

test('commands: the whole line is the command; @group and -w take the first word', () => {
  const table: Array<[string, unknown]> = [
    ['uptime', { kind: 'run', command: 'uptime' }],
    ['  echo "a  b" | wc -c  ', { kind: 'run', command: 'echo "a  b" | wc -c' }],
    ['@web systemctl status nginx', { kind: 'run', group: 'web', command: 'systemctl status nginx' }],
    ['-w node[1-4] df -h /', { kind: 'run', hosts: 'node[1-4]', command: 'df -h /' }],
    ['-w a,b\techo x', { kind: 'run', hosts: 'a,b', command: 'echo x' }],
    ['echo @web -w x', { kind: 'run', command: 'echo @web -w x' }],
    ['', { kind: 'empty' }],
    ['   ', { kind: 'empty' }],
    ['# a comment in a script', { kind: 'empty' }],
  ];
  for (const [line, want] of table) assert.equal(parseShellLine(line), want, line);
});

test("the shell's own commands", () => {
  const table: Array<[string, unknown]> = [
    [':fold', { kind: 'view', view: 'fold' }],
    [':live', { kind: 'view', view: 'live' }],
    [' :inline ', { kind: 'view', view: 'inline' }],
    [':quiet', { kind: 'view', view: 'quiet' }],
    [':hosts', { kind: 'hosts' }],
    [':timeout 5', { kind: 'timeout', seconds: 5 }],
    [':timeout 0.5', { kind: 'timeout', seconds: 0.5 }],
    [':timeout off', { kind: 'timeout', seconds: null }],
    [':timeout', { kind: 'timeout', seconds: undefined }],
    [':quit', { kind: 'quit' }],
    [':q', { kind: 'quit' }],
    [':help', { kind: 'help' }],
  ];
  for (const [line, want] of table) assert.equal(parseShellLine(line), want, line);
});

test('bad lines say what is wrong and run nothing', () => {
  const table: Array<[string, RegExp]> = [
    [':timeout soon', /:timeout wants seconds > 0, or off \(got "soon"\)/],
    [':timeout -1', /:timeout wants seconds/],
    [':frobnicate', /unknown :frobnicate \(:help lists the commands\)/],
    [':fold now', /unknown :fold now/],
    ['@web', /@web: give a command after the group/],
    ['-w node1', /-w wants clients and a command/],
    ['-w', /-w wants clients and a command/],
  ];
  for (const [line, want] of table) {
    const r = parseShellLine(line);
    assert.is(r.kind, 'bad', line);
    if (r.kind === 'bad') assert.match(r.message, want, line);
  }
});

test.run();
