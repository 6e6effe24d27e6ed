// Every /proc reader of test support in one place: which processes exist, their command
// lines, start times, memory peaks, working folders and mount namespaces (each isolated
// test host has a namespace of its own), and what they leave behind.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { processTree } from '../../src/process-tree.js';
import { startTicks, statFields } from '../../src/process-tree.js';

// ---- any process -------------------------------------------------------------------------

/** Every pid on this machine now. */
export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** A process's command line, its words joined by spaces; undefined once it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** The command lines of these pids, those gone meanwhile left out. */
export function commandLines(pids: readonly number[]): string[] {
  return pids.map(commandLine).filter((line): line is string => line !== undefined);
}

/** What a list of pids is, for an assertion message. */
export function describe(pids: readonly number[]): string {
  return pids.map((pid) => `${pid}:${commandLine(pid) ?? '?'}`).join(', ');
}

/**
 * Every process on the machine (this one aside) whose command line contains `marker`. A
 * remote process whose connection closed is re-parented to init and no longer shows under
 * its host's sshd, so survivors are looked for everywhere.
 */
export function processesWith(marker: string): string[] {
  return commandLines(allPids().filter((p) => p !== process.pid)).filter((l) => l.includes(marker));
}

/** Processes on this machine whose working folder is `dir`: a director started there and still alive. */
export function processesWorkingIn(dir: string): number[] {
  return allPids().filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}

/** A process's peak resident memory so far (VmHWM) in kB; undefined once it is gone. */
export function peakKb(pid: number): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

/** A process's peak resident memory so far (VmHWM), in MB. */
export function peakRssMB(pid: number): number {
  const kb = peakKb(pid);
  if (kb === undefined) throw new Error(`no VmHWM for ${pid}`);
  return Math.round(kb / 102.4) / 10;
}

// USER_HZ, the unit of /proc/<pid>/stat's start time, is 100 on every Linux the suite runs on.
const TICKS_PER_S = 100;
const bootedAt = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;

/** When a process started (epoch ms, 10 ms resolution). */
function startedAtMs(pid: number): number | undefined {
  const ticks = startTicks(pid);
  return ticks !== null ? bootedAt + (ticks / TICKS_PER_S) * 1000 : undefined;
}

/** When a process's group leader started, else the process itself. */
export function groupStartedAtMs(pid: number): number | undefined {
  const pgrp = Number(statFields(pid)?.[2]);
  return (Number.isInteger(pgrp) && pgrp > 0 ? startedAtMs(pgrp) : undefined) ?? startedAtMs(pid);
}

/** A process's mount namespace, e.g. "mnt:[4026532…]". */
export function mountNamespace(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/mnt`);
}

/** Every live (not zombie) process in a mount namespace, except `except` (a host's sshd listener). */
export function processesIn(ns: string, except: ReadonlySet<number> = new Set()): number[] {
  const out: number[] = [];
  for (const pid of allPids()) {
    if (except.has(pid)) continue;
    try {
      if (mountNamespace(pid) !== ns) continue;
      const state = statFields(pid)?.[0];
      if (state === undefined || state === 'Z') continue;
      out.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** 127.0.200.1 as /proc/net/tcp writes it: the address's bytes in host (little-endian) order. */
function tcpHex(address: string, port: number): string {
  const ip = address.split('.').reverse().map((n) => Number(n).toString(16).padStart(2, '0')).join('');
  return `${ip}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * Does process `pid` itself hold a socket listening on address:port (IPv4)? Unlike a test
 * connection, this cannot mistake another process's server on that port for this one.
 */
export function listensOn(pid: number, address: string, port: number): boolean {
  try {
    const want = tcpHex(address, port);
    const LISTEN = '0A';
    const inodes = readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1] === want && f[3] === LISTEN)
      .map((f) => `socket:[${f[9]}]`);
    if (inodes.length === 0) return false;
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Pids in a namespace whose command line (words joined by spaces) matches. */
export function hostProcessesMatching(ns: string, pattern: RegExp): number[] {
  return processesIn(ns).filter((pid) => pattern.test(commandLine(pid) ?? ''));
}

// ---- a test host -------------------------------------------------------------------------

/** Test hosts whose listeners (sshd, dropbear) have pids: a TestCluster, a Matrix. */
export interface TestHosts {
  readonly hosts: readonly unknown[];
  /** The listener's pid, undefined while the host is down. */
  pid(host: number): number | undefined;
}

function listener(c: TestHosts, host: number): number {
  const pid = c.pid(host);
  if (pid === undefined) throw new Error(`host ${host} is not running`);
  return pid;
}

/** Processes of one host: its sshd listener and everything under it. */
export function hostProcesses(c: TestHosts, host: number): number[] {
  const pid = c.pid(host);
  return pid === undefined ? [] : processTree(pid);
}

/** The command lines of a host's sshd and everything under it. */
export function hostCommands(c: TestHosts, host: number): string[] {
  return commandLines(hostProcesses(c, host));
}

/** A host's mount namespace (each isolated test host has its own), to count its processes later. */
export function hostNamespace(c: TestHosts, host: number): string {
  return mountNamespace(listener(c, host));
}

/** Does the host really have a mount namespace of its own (not this machine's)? */
export function hostIsIsolated(c: TestHosts, host: number): boolean {
  return hostNamespace(c, host) !== mountNamespace('self');
}

/** Where the director can read an absolute path of host `i`'s own view (its mounts included). */
export function hostPath(c: TestHosts, host: number, path: string): string {
  return join(`/proc/${listener(c, host)}/root`, path);
}

/**
 * Processes left on a host besides its sshd listener: sessions, commands, anything they
 * started (even daemonized, since it stays in the host's namespace). sshd takes a moment to
 * tear a session down, so this waits up to `graceMs` for the count to reach 0.
 */
export async function processesLeft(c: TestHosts, host: number, ns = hostNamespace(c, host), graceMs = 3000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const pid = c.pid(host);
    const left = processesIn(ns, new Set(pid === undefined ? [] : [pid]));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Alive and never sent a signal it has not yet acted on: not a zombie, nothing pending. Read
 * at once after whatever might have signalled it has finished, this needs no grace period:
 * a signal sent is pending until the process acts on it, and a fatal one leaves it a zombie.
 */
export function unsignalled(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1] ?? '';
    return !/^[ZX]/.test(field('State')) && /^0+$/.test(field('SigPnd')) && /^0+$/.test(field('ShdPnd'));
  } catch {
    return false;
  }
}

/** How many files a process has open now. */
export function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Is this process writing a file whose name ends with `suffix` right now (an open fd on one)? */
export function writingFileEndingWith(pid: number, suffix: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith(suffix);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
