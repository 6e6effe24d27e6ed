// director shell: the selected clients connected once and kept (a SessionPool); each line a
// person types runs on them as `director exec -- <line>` would, with exec's engine, views, time
// limit and verified kill at Ctrl-C, written into each connection's resident shell (no new
// SSH session per line; ssh/resident-shell.ts). The loop that reads lines is the CLI's (cli/repl.ts).
import type { Client } from '../config/client.js';
import { selectClients } from '../config/select.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import type { KeptStatus, SessionPool } from '../ssh/session-pool.js';
import { unlessAborted } from '../ssh/session-source.js';
import type { RunEvents, RunOutcome } from '../run/types.js';
import type { ShellLine, ShellView } from '../shell/line.js';
import { exec } from './exec.js';

export interface ShellSettings {
  view: ShellView;
  /** Per-line time limit (-t, :timeout). */
  timeoutMs: number | undefined;
}

export interface HostRow {
  client: Client;
  /** Absent: never asked for yet. */
  kept?: KeptStatus;
}

export class ShellSession {
  readonly settings: ShellSettings;

  constructor(
    /** The selected clients, on the pool's connections. */
    private readonly fleet: Fleet,
    private readonly pool: SessionPool,
    settings: ShellSettings,
  ) {
    this.settings = { ...settings };
  }

  get clients(): readonly Client[] {
    return this.fleet.clients;
  }

  /**
   * Connects every client (at the start) and starts its resident shell (a client where none
   * starts runs its lines on channels of their own); how each connection went.
   */
  connect(signal: AbortSignal): Promise<HostResult<void>[]> {
    return this.fleet.over(this.fleet.clients, signal).run(async (session) => {
      await unlessAborted(session.residentShell(), signal);
    });
  }

  /** Each client: connected, or why not. */
  hosts(): HostRow[] {
    const kept = new Map(this.pool.status().map((s) => [s.name, s]));
    return this.fleet.clients.map((client) => {
      const k = kept.get(client.name);
      return k ? { client, kept: k } : { client };
    });
  }

  /**
   * Runs a line's command on its clients (all, a group, or -w names, re-indexed as a selection
   * is), as exec would; Ctrl-C is `signal`. `spool`: where the views that print whole blocks
   * read the output back from. A client whose connection was lost is connected again first.
   */
  run(line: Extract<ShellLine, { kind: 'run' }>, signal: AbortSignal, events: RunEvents, spool: string | undefined): Promise<RunOutcome> {
    const subset = line.group !== undefined || line.hosts !== undefined;
    const clients = subset ? selectClients(this.fleet.clients, { nodes: line.hosts ? [line.hosts] : [], groups: line.group ? [line.group] : [], exclude: [] }) : [...this.fleet.clients];
    return exec(
      { words: [line.command], outputRoot: spool, gather: false, keepRemote: false, timeoutMs: this.settings.timeoutMs, resident: true },
      { fleet: this.fleet.over(clients, signal), events },
    );
  }

  close(): void {
    this.pool.close();
  }
}
