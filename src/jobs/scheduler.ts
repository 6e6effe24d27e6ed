// Which task runs next, and where. Pure: no I/O, no clocks; the runner tells it what
// happened and journals what it decides. Rules:
//   - higher priority first, FIFO (the task's position in the run) within a priority;
//   - a task with data runs only on a client that holds it (its `holders`), a task without
//     data on any client; each client runs at most its `slots` tasks at once;
//   - a failed attempt is retried (non-zero exit: `exitRetries`, lost client: `lostRetries`)
//     preferably on a client it has not failed on yet;
//   - a task whose holders are all gone fails as "data unavailable", and when no client is
//     left at all the pending tasks fail too.
import TinyQueue from 'tinyqueue';

export interface TaskDef {
  /** The task's position in the run: FIFO order, reduce order, its key in the journal. */
  seq: number;
  priority: number;
  /** Clients holding the task's data (every file of it); empty = the task has no data. */
  holders: readonly string[];
  /** Retries after a non-zero exit, a timeout or another failure of the command. */
  exitRetries: number;
  /** Retries after the client was lost mid-task. */
  lostRetries: number;
  /** Attempts made in earlier sessions of the run (resume): numbering goes on from there. */
  attemptsBefore?: number;
}

/** How one attempt ended, as the runner saw it. */
export type AttemptEnd =
  | { kind: 'done' }
  /** Non-zero exit, signal, timeout, a failure on the director's side: the task's own failure. */
  | { kind: 'exit'; reason: string }
  /** The connection to the client went while the task ran. */
  | { kind: 'lost'; reason: string }
  /** Ctrl-C: back to pending, not an attempt that counts. */
  | { kind: 'interrupted' }
  /** The client refused a channel (sshd's MaxSessions): back to pending, not counted. */
  | { kind: 'refused' };

export type TaskState = 'pending' | 'running' | 'done' | 'failed';

export interface Decision {
  seq: number;
  /** What the task is now: done, to be retried, failed for good, or pending again. */
  next: 'done' | 'retry' | 'failed' | 'pending';
  reason?: string;
}

export interface Start {
  seq: number;
  attempt: number;
  client: string;
}

type ClientState = 'waiting' | 'joined' | 'gone' | 'left';

interface ClientRun {
  state: ClientState;
  slots: number;
  running: Set<TaskRun>;
  /** Why it is gone ("unreachable", "auth failed"…), for "data unavailable" messages. */
  why?: string;
}

interface TaskRun {
  def: TaskDef;
  state: TaskState;
  /** Clients an attempt failed on; set once the task is retried (it then waits in `retrying`). */
  tried?: Set<string>;
  attempts: number;
  exitFailures: number;
  lostFailures: number;
  running?: { client: string; attempt: number };
}

const first = (a: TaskRun, b: TaskRun) => b.def.priority - a.def.priority || a.def.seq - b.def.seq;

export class Scheduler {
  private readonly tasks = new Map<number, TaskRun>();
  private readonly clients = new Map<string, ClientRun>();
  /** Fresh tasks without data. Entries go stale (not pending, or retried) and are dropped when met. */
  private readonly anywhere = new TinyQueue<TaskRun>([], first);
  /** Fresh tasks with data, in the queue of each of their holders. */
  private readonly byHolder = new Map<string, TinyQueue<TaskRun>>();
  /** Tasks with data, by holder, to find those a lost client leaves without a holder. */
  private readonly heldBy = new Map<string, TaskRun[]>();
  /** Retried tasks (few): scanned, since where they may go depends on where they failed. */
  private retrying: TaskRun[] = [];
  private stopped = false;
  readonly counts = { pending: 0, running: 0, done: 0, failed: 0 };

  constructor(defs: readonly TaskDef[], clients: readonly string[]) {
    for (const name of clients) this.clients.set(name, { state: 'waiting', slots: 0, running: new Set() });
    for (const def of defs) {
      const t: TaskRun = { def, state: 'pending', attempts: 0, exitFailures: 0, lostFailures: 0 };
      this.tasks.set(def.seq, t);
      this.counts.pending++;
      for (const h of def.holders) {
        const list = this.heldBy.get(h) ?? [];
        list.push(t);
        this.heldBy.set(h, list);
      }
      this.enqueue(t);
    }
  }

  /** A client connected and is ready for `slots` tasks at once. */
  join(client: string, slots: number): void {
    const c = this.client(client);
    if (c.state !== 'waiting') return;
    c.state = 'joined';
    c.slots = Math.max(1, slots);
  }

  /** Fewer slots on a client (it refused a channel); never below one. */
  setSlots(client: string, slots: number): void {
    this.client(client).slots = Math.max(1, slots);
  }

  slotsOf(client: string): number {
    return this.client(client).slots;
  }

  runningOn(client: string): number {
    return this.client(client).running.size;
  }

  /** No more starts (Ctrl-C): tasks not started stay pending. */
  stop(): void {
    this.stopped = true;
  }

  /** Every task is done or failed. */
  get finished(): boolean {
    return this.counts.pending === 0 && this.counts.running === 0;
  }

  /** The next task for a free slot of `client`, now running there; undefined when there is none for it. */
  next(client: string): Start | undefined {
    const c = this.client(client);
    if (this.stopped || c.state !== 'joined' || c.running.size >= c.slots) return undefined;
    const t = this.best(client, true);
    if (!t) return undefined;
    if (t.tried) this.retrying = this.retrying.filter((r) => r !== t);
    t.state = 'running';
    t.attempts++;
    const attempt = (t.def.attemptsBefore ?? 0) + t.attempts;
    t.running = { client, attempt };
    c.running.add(t);
    this.move('pending', 'running');
    return { seq: t.def.seq, attempt, client };
  }

  /**
   * How an attempt ended. Undefined when that attempt was already settled (its client was
   * declared lost before its channel ended).
   */
  finish(seq: number, attempt: number, end: AttemptEnd): Decision | undefined {
    const t = this.tasks.get(seq);
    if (!t || t.state !== 'running' || t.running?.attempt !== attempt) return undefined;
    const client = t.running.client;
    this.client(client).running.delete(t);
    t.running = undefined;
    switch (end.kind) {
      case 'done':
        t.state = 'done';
        this.move('running', 'done');
        return { seq, next: 'done' };
      case 'interrupted':
      case 'refused':
        t.attempts--;
        this.backToPending(t);
        return { seq, next: 'pending' };
      case 'exit':
        t.exitFailures++;
        return this.retryOrFail(t, client, t.exitFailures <= t.def.exitRetries, end.reason);
      case 'lost':
        t.lostFailures++;
        return this.retryOrFail(t, client, t.lostFailures <= t.def.lostRetries, `client lost: ${end.reason}`);
    }
  }

  /**
   * A client is gone (never connected, or its connection was lost; `why` is a short label such
   * as "unreachable"). Its running tasks end as lost, and tasks left without any client that
   * could run them fail.
   */
  lose(client: string, why: string, reason = why): Decision[] {
    const c = this.client(client);
    if (c.state === 'gone') return [];
    // Gone first, so that its own tasks are not retried on it.
    c.state = 'gone';
    c.why = why;
    const out: Decision[] = [];
    for (const t of [...c.running]) {
      const d = this.finish(t.def.seq, t.running?.attempt ?? -1, { kind: 'lost', reason });
      if (d) out.push(d);
    }
    return [...out, ...this.sweep(client)];
  }

  /** A client with nothing it could do leaves, so that a client waiting for a connection slot can join. */
  leave(client: string): Decision[] {
    const c = this.client(client);
    if (c.state !== 'joined' || c.running.size > 0) return [];
    c.state = 'left';
    c.why = 'left the run';
    return this.sweep(client);
  }

  /**
   * Should this idle client leave? Only when clients wait to connect (more clients than the
   * Fleet's -p): otherwise it stays, in case a retry comes its way.
   */
  shouldLeave(client: string): boolean {
    const c = this.client(client);
    if (c.state !== 'joined' || c.running.size > 0 || this.finished) return false;
    if (![...this.clients.values()].some((o) => o.state === 'waiting')) return false;
    return this.best(client, false) === undefined;
  }

  state(seq: number): TaskState | undefined {
    return this.tasks.get(seq)?.state;
  }

  private client(name: string): ClientRun {
    const c = this.clients.get(name);
    if (!c) throw new Error(`scheduler: unknown client ${name}`);
    return c;
  }

  private move(from: TaskState, to: TaskState): void {
    this.counts[from]--;
    this.counts[to]++;
  }

  private enqueue(t: TaskRun): void {
    if (t.tried) {
      this.retrying.push(t);
      return;
    }
    if (t.def.holders.length === 0) {
      this.anywhere.push(t);
      return;
    }
    for (const h of t.def.holders) {
      let q = this.byHolder.get(h);
      if (!q) this.byHolder.set(h, (q = new TinyQueue<TaskRun>([], first)));
      q.push(t);
    }
  }

  private backToPending(t: TaskRun): void {
    t.state = 'pending';
    this.move('running', 'pending');
    this.enqueue(t);
  }

  private retryOrFail(t: TaskRun, client: string, retry: boolean, reason: string): Decision {
    (t.tried ??= new Set()).add(client);
    if (!retry) {
      t.state = 'failed';
      this.move('running', 'failed');
      return { seq: t.def.seq, next: 'failed', reason };
    }
    this.backToPending(t);
    const stuck = this.unrunnable(t);
    if (stuck !== undefined) return this.fail(t, stuck);
    return { seq: t.def.seq, next: 'retry', reason };
  }

  private fail(t: TaskRun, reason: string): Decision {
    t.state = 'failed';
    this.move('pending', 'failed');
    if (t.tried) this.retrying = this.retrying.filter((r) => r !== t);
    return { seq: t.def.seq, next: 'failed', reason };
  }

  /** Why a pending task can run nowhere any more, or undefined while some client could run it. */
  private unrunnable(t: TaskRun): string | undefined {
    const usable = (name: string) => {
      const s = this.clients.get(name)?.state;
      return s === 'joined' || s === 'waiting';
    };
    if (t.def.holders.length > 0) {
      if (t.def.holders.some(usable)) return undefined;
      const held = t.def.holders.map((h) => `${h} (${this.clients.get(h)?.why ?? 'not in this run'})`).join(', ');
      return `data unavailable: held by ${held}`;
    }
    return [...this.clients.keys()].some(usable) ? undefined : 'no client left to run it';
  }

  /** Fails the pending tasks that the departure of `client` leaves with nowhere to run. */
  private sweep(client: string): Decision[] {
    const out: Decision[] = [];
    const anyLeft = [...this.clients.values()].some((c) => c.state === 'joined' || c.state === 'waiting');
    const candidates = anyLeft ? (this.heldBy.get(client) ?? []) : [...this.tasks.values()];
    for (const t of candidates) {
      if (t.state !== 'pending') continue;
      const why = this.unrunnable(t);
      if (why !== undefined) out.push(this.fail(t, why));
    }
    return out;
  }

  /** The task `client` should run next; `take` pops it from its queue. */
  private best(client: string, take: boolean): TaskRun | undefined {
    const fresh = (q: TinyQueue<TaskRun> | undefined) => {
      if (!q) return undefined;
      for (let t = q.peek(); t !== undefined; t = q.peek()) {
        if (t.state === 'pending' && !t.tried) return t;
        q.pop(); // stale: taken through another holder's queue, or retried since
      }
      return undefined;
    };
    const a = fresh(this.anywhere);
    const h = fresh(this.byHolder.get(client));
    let r: TaskRun | undefined;
    for (const t of this.retrying) if (this.mayRetryOn(t, client) && (!r || first(t, r) < 0)) r = t;
    let pick = a;
    if (h && (!pick || first(h, pick) < 0)) pick = h;
    if (r && (!pick || first(r, pick) < 0)) pick = r;
    if (take && pick !== undefined && pick === a) this.anywhere.pop();
    else if (take && pick !== undefined && pick === h) this.byHolder.get(client)?.pop();
    return pick;
  }

  /** A retried task goes to a client it has not failed on, unless no such client is left. */
  private mayRetryOn(t: TaskRun, client: string): boolean {
    if (t.state !== 'pending') return false;
    const holds = t.def.holders.length === 0 || t.def.holders.includes(client);
    if (!holds) return false;
    if (!t.tried?.has(client)) return true;
    const candidates = t.def.holders.length > 0 ? t.def.holders : [...this.clients.keys()];
    return !candidates.some((name) => {
      const s = this.clients.get(name)?.state;
      return name !== client && !t.tried?.has(name) && (s === 'joined' || s === 'waiting');
    });
  }
}
