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
  /** Seqs of the tasks running there. */
  running: Set<number>;
  /** Why it is gone ("unreachable", "auth failed"…), for "data unavailable" messages. */
  why?: string;
}

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;
const STATES: readonly TaskState[] = ['pending', 'running', 'done', 'failed'];
const NONE: readonly string[] = Object.freeze([]);

/**
 * Per-task state lives in typed arrays indexed by seq, not in an object per task: a run of
 * 100 000 tasks costs a few MB here (the footprint matters: the director holds the whole queue).
 */
export class Scheduler {
  private readonly present: Uint8Array;
  private readonly st: Uint8Array;
  private readonly priority: Int32Array;
  private readonly attempts: Int32Array;
  private readonly before: Int32Array;
  private readonly exitFailures: Int32Array;
  private readonly lostFailures: Int32Array;
  private readonly exitRetries: Int32Array;
  private readonly lostRetries: Int32Array;
  /** Holders by seq (absent: none). */
  private readonly holders = new Map<number, readonly string[]>();
  /** Clients an attempt failed on; set once a task is retried (it then waits in `retrying`). */
  private readonly tried = new Map<number, Set<string>>();
  /** The attempt of each running task, and its client. */
  private readonly running = new Map<number, { client: string; attempt: number }>();
  private readonly clients = new Map<string, ClientRun>();
  /** Fresh tasks without data. Entries go stale (not pending, or retried) and are dropped when met. */
  private readonly anywhere: TinyQueue<number>;
  /** Fresh tasks with data, in the queue of each of their holders. */
  private readonly byHolder = new Map<string, TinyQueue<number>>();
  /** Tasks with data, by holder, to find those a lost client leaves without a holder. */
  private readonly heldBy = new Map<string, number[]>();
  /** Retried tasks (few): scanned, since where they may go depends on where they failed. */
  private retrying: number[] = [];
  private readonly first: (a: number, b: number) => number;
  private stopped = false;
  readonly counts = { pending: 0, running: 0, done: 0, failed: 0 };

  constructor(defs: readonly TaskDef[], clients: readonly string[]) {
    const size = defs.reduce((m, d) => Math.max(m, d.seq + 1), 0);
    this.present = new Uint8Array(size);
    this.st = new Uint8Array(size);
    this.priority = new Int32Array(size);
    this.attempts = new Int32Array(size);
    this.before = new Int32Array(size);
    this.exitFailures = new Int32Array(size);
    this.lostFailures = new Int32Array(size);
    this.exitRetries = new Int32Array(size);
    this.lostRetries = new Int32Array(size);
    const prio = this.priority;
    this.first = (a, b) => prio[b]! - prio[a]! || a - b;
    this.anywhere = new TinyQueue<number>([], this.first);
    for (const name of clients) this.clients.set(name, { state: 'waiting', slots: 0, running: new Set() });
    for (const d of defs) {
      const t = d.seq;
      this.present[t] = 1;
      this.priority[t] = d.priority;
      this.before[t] = d.attemptsBefore ?? 0;
      this.exitRetries[t] = d.exitRetries;
      this.lostRetries[t] = d.lostRetries;
      this.counts.pending++;
      if (d.holders.length > 0) this.holders.set(t, d.holders);
      for (const h of d.holders) {
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
    if (t === undefined) return undefined;
    if (this.tried.has(t)) this.retrying = this.retrying.filter((r) => r !== t);
    this.st[t] = RUNNING;
    this.attempts[t]!++;
    const attempt = this.before[t]! + this.attempts[t]!;
    this.running.set(t, { client, attempt });
    c.running.add(t);
    this.move(PENDING, RUNNING);
    return { seq: t, attempt, client };
  }

  /**
   * How an attempt ended. Undefined when that attempt was already settled (its client was
   * declared lost before its channel ended).
   */
  finish(seq: number, attempt: number, end: AttemptEnd): Decision | undefined {
    const run = this.running.get(seq);
    if (!this.present[seq] || this.st[seq] !== RUNNING || run?.attempt !== attempt) return undefined;
    const client = run.client;
    this.client(client).running.delete(seq);
    this.running.delete(seq);
    switch (end.kind) {
      case 'done':
        this.st[seq] = DONE;
        this.move(RUNNING, DONE);
        return { seq, next: 'done' };
      case 'interrupted':
      case 'refused':
        this.attempts[seq]!--;
        this.backToPending(seq);
        return { seq, next: 'pending' };
      case 'exit':
        this.exitFailures[seq]!++;
        return this.retryOrFail(seq, client, this.exitFailures[seq]! <= this.exitRetries[seq]!, end.reason);
      case 'lost':
        this.lostFailures[seq]!++;
        return this.retryOrFail(seq, client, this.lostFailures[seq]! <= this.lostRetries[seq]!, `client lost: ${end.reason}`);
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
      const d = this.finish(t, this.running.get(t)?.attempt ?? -1, { kind: 'lost', reason });
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
    return this.present[seq] ? STATES[this.st[seq]!] : undefined;
  }

  private client(name: string): ClientRun {
    const c = this.clients.get(name);
    if (!c) throw new Error(`scheduler: unknown client ${name}`);
    return c;
  }

  private move(from: number, to: number): void {
    this.counts[STATES[from]!]--;
    this.counts[STATES[to]!]++;
  }

  private holdersOf(t: number): readonly string[] {
    return this.holders.get(t) ?? NONE;
  }

  private enqueue(t: number): void {
    if (this.tried.has(t)) {
      this.retrying.push(t);
      return;
    }
    const holders = this.holdersOf(t);
    if (holders.length === 0) {
      this.anywhere.push(t);
      return;
    }
    for (const h of holders) {
      let q = this.byHolder.get(h);
      if (!q) this.byHolder.set(h, (q = new TinyQueue<number>([], this.first)));
      q.push(t);
    }
  }

  private backToPending(t: number): void {
    this.st[t] = PENDING;
    this.move(RUNNING, PENDING);
    this.enqueue(t);
  }

  private retryOrFail(t: number, client: string, retry: boolean, reason: string): Decision {
    let tried = this.tried.get(t);
    if (!tried) this.tried.set(t, (tried = new Set()));
    tried.add(client);
    if (!retry) {
      this.st[t] = FAILED;
      this.move(RUNNING, FAILED);
      return { seq: t, next: 'failed', reason };
    }
    this.backToPending(t);
    const stuck = this.unrunnable(t);
    if (stuck !== undefined) return this.fail(t, stuck);
    return { seq: t, next: 'retry', reason };
  }

  private fail(t: number, reason: string): Decision {
    this.st[t] = FAILED;
    this.move(PENDING, FAILED);
    if (this.tried.has(t)) this.retrying = this.retrying.filter((r) => r !== t);
    return { seq: t, next: 'failed', reason };
  }

  private usable(name: string): boolean {
    const s = this.clients.get(name)?.state;
    return s === 'joined' || s === 'waiting';
  }

  /** Why a pending task can run nowhere any more, or undefined while some client could run it. */
  private unrunnable(t: number): string | undefined {
    const holders = this.holdersOf(t);
    if (holders.length > 0) {
      if (holders.some((h) => this.usable(h))) return undefined;
      const held = holders.map((h) => `${h} (${this.clients.get(h)?.why ?? 'not in this run'})`).join(', ');
      return `data unavailable: held by ${held}`;
    }
    return [...this.clients.keys()].some((c) => this.usable(c)) ? undefined : 'no client left to run it';
  }

  /** Fails the pending tasks that the departure of `client` leaves with nowhere to run. */
  private sweep(client: string): Decision[] {
    const out: Decision[] = [];
    const anyLeft = [...this.clients.keys()].some((c) => this.usable(c));
    const check = (t: number) => {
      if (!this.present[t] || this.st[t] !== PENDING) return;
      const why = this.unrunnable(t);
      if (why !== undefined) out.push(this.fail(t, why));
    };
    if (anyLeft) for (const t of this.heldBy.get(client) ?? []) check(t);
    else for (let t = 0; t < this.present.length; t++) check(t);
    return out;
  }

  /** The task `client` should run next; `take` pops it from its queue. */
  private best(client: string, take: boolean): number | undefined {
    const fresh = (q: TinyQueue<number> | undefined) => {
      if (!q) return undefined;
      for (let t = q.peek(); t !== undefined; t = q.peek()) {
        if (this.st[t] === PENDING && !this.tried.has(t)) return t;
        q.pop(); // stale: taken through another holder's queue, or retried since
      }
      return undefined;
    };
    const a = fresh(this.anywhere);
    const h = fresh(this.byHolder.get(client));
    let r: number | undefined;
    for (const t of this.retrying) if (this.mayRetryOn(t, client) && (r === undefined || this.first(t, r) < 0)) r = t;
    let pick = a;
    if (h !== undefined && (pick === undefined || this.first(h, pick) < 0)) pick = h;
    if (r !== undefined && (pick === undefined || this.first(r, pick) < 0)) pick = r;
    if (take && pick !== undefined && pick === a) this.anywhere.pop();
    else if (take && pick !== undefined && pick === h) this.byHolder.get(client)?.pop();
    return pick;
  }

  /** A retried task goes to a client it has not failed on, unless no such client is left. */
  private mayRetryOn(t: number, client: string): boolean {
    if (this.st[t] !== PENDING) return false;
    const holders = this.holdersOf(t);
    if (holders.length > 0 && !holders.includes(client)) return false;
    const tried = this.tried.get(t);
    if (!tried?.has(client)) return true;
    const candidates = holders.length > 0 ? holders : [...this.clients.keys()];
    return !candidates.some((name) => name !== client && !tried.has(name) && this.usable(name));
  }
}
