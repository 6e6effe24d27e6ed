// A real ssh-agent of the test's own (OpenSSH's, on a socket in a temporary folder), stopped
// when the test process exits, and key pairs made by ssh-keygen.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atExit } from './at-exit.js';
import { tempDir } from './temp.js';
import { waitUntil } from './wait.js';

export interface TestAgent {
  socket: string;
  /** ssh-add each file, in order (the agent lists keys in the order they were added). */
  add(...files: string[]): void;
  stop(): void;
}

export async function startAgent(): Promise<TestAgent> {
  const dir = tempDir('director-agent-');
  const socket = join(dir, 'agent.sock');
  // -D: in the foreground, so this process owns it and stops it by its pid.
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  // Not a reason to keep the test process alive: an agent a test left running is stopped at exit.
  child.unref();
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  atExit(stop);
  await waitUntil(() => existsSync(socket), 5000, `ssh-agent socket ${socket}`);
  return {
    socket,
    add(...files) {
      for (const f of files) execFileSync('ssh-add', ['-q', f], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: ['ignore', 'ignore', 'pipe'] });
    },
    stop,
  };
}

export interface KeyPair {
  file: string;
  pub: string;
  /** The public key's base64 (what sshd logs a fingerprint of). */
  publicBase64: string;
  /** `SHA256:…` as sshd and ssh-keygen print it. */
  fingerprint: string;
}

/** An ed25519 key pair made by ssh-keygen (no passphrase unless given). */
export function keyPair(dir: string, name: string, passphrase = ''): KeyPair {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `${name}@test`, '-f', file]);
  return describeKey(file);
}

export function describeKey(file: string): KeyPair {
  const pub = `${file}.pub`;
  const publicBase64 = readFileSync(pub, 'utf8').split(' ')[1]!;
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub], { encoding: 'utf8' }).split(' ')[1]!;
  return { file, pub, publicBase64, fingerprint };
}
