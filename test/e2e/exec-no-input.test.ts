// exec-no-input.ts reaches into ssh2's internals to send a command's EOF with its exec
// request. Against an SSH server that shows what arrives (ssh2's own Server, on loopback):
// each command given no input sees EOF without the client ending its stream, and in the same
// socket write as its request; a command with input is left alone; a refused exec does not
// leave its channel open (sshd would count it against MaxSessions).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { execWithoutInput } from '../../src/ssh/exec-no-input.js';
import { waitUntil } from '../support/wait.js';

const { Server, Client, utils } = ssh2;

interface Seen {
  closedSessions: number;
}

async function withServer(body: (client: InstanceType<typeof Client>, seen: Seen) => Promise<void>): Promise<void> {
  const seen: Seen = { closedSessions: 0 };
  const server = new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (conn) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () =>
      conn.on('session', (accept) => {
        const session = accept();
        session.on('close', () => seen.closedSessions++);
        session.on('exec', (ok, refuse, info) => {
          if (info.command === 'refuse me') return refuse();
          const ch = ok();
          let input = '';
          ch.on('data', (d: Buffer) => (input += d.toString()));
          // The answer comes only once the client's EOF has arrived.
          ch.on('end', () => {
            ch.write(`${info.command}:${input}`);
            ch.exit(0);
            ch.end();
          });
        });
      }),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const client = new Client();
  await new Promise<void>((ok, fail) => {
    client.on('ready', ok).on('error', fail);
    client.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, username: 'u', password: 'p' });
  });
  try {
    await body(client, seen);
  } finally {
    client.end();
    server.close();
  }
}

/** Runs `command`; with `input`, writes it and ends the stream as a caller with stdin does. */
function run(client: InstanceType<typeof Client>, command: string, input?: string): Promise<string> {
  return new Promise((ok) => {
    const done = (err: Error | undefined, stream: ClientChannel) => {
      if (err) return ok(`error: ${err.message}`);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d.toString()));
      stream.stderr.resume();
      stream.on('close', () => ok(out));
      if (input !== undefined) stream.end(input);
    };
    if (input === undefined) execWithoutInput(client, command, done);
    else client.exec(command, done);
  });
}

test('commands with no input get EOF with their request (never ended by the caller); one with input is left alone', async () => {
  await withServer(async (client) => {
    const sock = (client as unknown as { _sock: { write: (...a: unknown[]) => boolean; writableCorked: number } })._sock;
    const writes: string[] = [];
    const write = sock.write.bind(sock);
    sock.write = (...a: unknown[]) => {
      writes.push(sock.writableCorked > 0 ? 'corked' : 'plain');
      return write(...a);
    };
    const out = await Promise.all([run(client, 'one'), run(client, 'two'), run(client, 'fed', 'some input'), run(client, 'three')]);
    assert.equal(out, ['one:', 'two:', 'fed:some input', 'three:']);
    // Three requests, each written together with its EOF while the socket was corked.
    assert.is(writes.filter((w) => w === 'corked').length, 6, writes.join(','));
  });
});

test('a refused exec closes its channel: the server sees the session end', async () => {
  await withServer(async (client, seen) => {
    assert.match(await run(client, 'refuse me'), /^error: /);
    await waitUntil(() => seen.closedSessions === 1, 5000, 'the refused session is closed');
    // The connection goes on: another command runs.
    assert.is(await run(client, 'after'), 'after:');
  });
});

test.run();
