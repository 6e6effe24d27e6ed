// One client's share of a jobs run, over its one connection: set the client up once (the
// script, the launcher, output folders per slot, the core count), then keep its slots busy
// with tasks from the scheduler, each an exec channel, until the run is over, the client is
// lost, or Ctrl-C; then remove the temporary folder. A connection that drops ends every
// attempt on it as lost, once, for the scheduler to retry elsewhere.
import { randomBytes } from 'node:crypto';
import { createReadStream, openSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Client } from '../config/client.js';
import { HostError, KIND_LABEL } from '../ssh/host-error.js';
import type { ExecResult, Session } from '../ssh/session.js';
import { answerToken, didNotRun, shScriptCommand } from '../remote/posix.js';
import { fetchTree } from '../run/gather.js';
import { writeFailure } from '../run/layout.js';
import { endOfExec } from '../run/exit-status.js';
import { cleanupCommand, runEnv } from '../run/remote-command.js';
import { TailMarker } from '../run/tail-marker.js';
import { clearSlotCommand, launcherScript, MAX_SLOTS, parseSetup, setupCommand, taskHeader } from './remote-task.js';
import type { AttemptInfo, RunShared } from './runner.js';
import type { AttemptEnd, Start } from './scheduler.js';
import { TaskSink } from './task-output.js';
import type { AttemptState, ClientTally, TaskRecord, TaskSpec } from './types.js';

export class ClientWorker {
  readonly tally: ClientTally;
  /** Attempts on their way here, by task seq. */
  private readonly running = new Map<number, AttemptInfo>();
  private readonly freeSlots: number[] = [];
  private readonly token = randomBytes(8).toString('hex');
  private dir = '';
  private command = '';
  /** Set once the connection was found gone: every attempt on it is settled as lost. */
  private lostReason: string | undefined;
  private refusedNoted = false;
  /** Tasks here whose channel the server opened (their standard input was asked for). */
  private readonly opened = new Set<number>();
  /** The slots asked for; after refusals they are earned back one by one. */
  private wanted = 0;
  private sinceChange = 0;

  constructor(
    private readonly shared: RunShared,
    private readonly session: Session,
    private readonly client: Client,
  ) {
    this.tally = { client: client.name, slots: 0, done: 0, failed: 0, ms: 0 };
  }

  async run(): Promise<void> {
    const { sched, wakes, plan } = this.shared;
    const name = this.client.name;
    if (this.shared.stopping) throw new HostError('interrupted', 'not started: interrupted');
    const cores = await this.setup();
    try {
      const slots = Math.min(plan.slots ?? cores, MAX_SLOTS);
      this.wanted = slots;
      for (let s = slots; s >= 1; s--) this.freeSlots.push(s);
      sched.join(name, slots);
      this.tally.slots = slots;
      const inflight = new Set<Promise<void>>();
      for (;;) {
        if (this.shared.stopping) sched.stop();
        while (this.lostReason === undefined && sched.runningOn(name) < sched.slotsOf(name)) {
          const start = sched.next(name);
          if (!start) break;
          const p: Promise<void> = this.runOne(start).finally(() => {
            inflight.delete(p);
            wakes.wake(name);
          });
          inflight.add(p);
        }
        if (this.lostReason !== undefined) break;
        if (inflight.size === 0 && (sched.finished || this.shared.stopping)) break;
        if (inflight.size === 0 && sched.shouldLeave(name)) {
          for (const d of sched.leave(name)) this.shared.settle(d);
          break;
        }
        await wakes.wait(name);
      }
      await Promise.all(inflight);
    } finally {
      if (!this.session.isLost) await this.session.capture(cleanupCommand(this.dir)).catch(() => undefined);
    }
    if (this.lostReason !== undefined) throw this.session.lostError();
  }

  /** The client's set-up; resolves with its core count. */
  private async setup(): Promise<number> {
    const { plan, deps } = this.shared;
    const c = this.client;
    const env = runEnv({ host: c.name, index: c.index, count: deps.fleet.clients.length, project: plan.project, runId: plan.runId, filesList: false });
    const launcher = launcherScript({ kind: plan.kind, env, workDir: plan.workDir, interpreter: plan.interpreter, token: this.token });
    const token = answerToken();
    const cmd = setupCommand({ runId: plan.runId, launcher, script: plan.script !== undefined, workDir: plan.workDir, token });
    const r = await this.session.capture(cmd, { stdin: plan.script, signal: this.shared.signal });
    if (r.result.interrupted) throw new HostError('interrupted', 'interrupted while setting the client up');
    const got = r.result.code === 0 ? parseSetup(r.stdout, token) : undefined;
    if (!got) {
      const why = r.result.code === 0 || r.stderr.trim() === '' ? didNotRun(r.result.code, r.stderr) : (r.stderr.trim().split('\n').pop() as string);
      throw new HostError('remote-exit', `cannot set the client up for tasks: ${why}`);
    }
    this.dir = got.dir;
    this.command = shScriptCommand(`${got.dir}/t`);
    return got.cores;
  }

  private async runOne(start: Start): Promise<void> {
    const { plan, deps, sched } = this.shared;
    const name = this.client.name;
    const spec = plan.specs[start.seq] as TaskSpec;
    const rec = deps.records[start.seq] as TaskRecord;
    const slot = this.freeSlots.pop() as number;
    const info: AttemptInfo = { client: name, attempt: start.attempt, state: 'failed', exit: null, startedAt: Date.now() };
    this.running.set(start.seq, info);
    this.shared.started(start.seq, name, start.attempt, info.startedAt);
    const dir = join(plan.tasksDir, spec.id);
    const out = new TaskSink(dir, 'stdout', start.attempt);
    const err = new TaskSink(dir, 'stderr', start.attempt);
    const tail = new TailMarker(this.token);
    tail.pipe(err, { end: false });
    const timeoutMs = spec.timeoutMs ?? plan.timeoutMs;
    let end: AttemptEnd;
    let stdinError: Error | undefined;
    try {
      const header = this.header(spec, start.attempt, slot);
      // Standard input is asked for only once the channel is open: that is how a refusal is told apart.
      const opened = () => this.opened.add(start.seq);
      const stdin = withHeader(header, spec.stdin, opened, (e) => (stdinError ??= e));
      const r = await this.session.exec(this.command, { stdout: out, stderr: tail, stdin, timeoutMs, signal: this.shared.signal, marksPid: true });
      info.exit = r.code;
      [end, info.state] = this.ending(r, timeoutMs);
    } catch (e) {
      [end, info.state] = this.failure(e);
    }
    const tailEnded = new Promise<void>((ok) => tail.once('end', () => ok()));
    tail.end();
    await tailEnded;
    if (end.kind === 'lost' && this.lostReason === undefined) {
      this.lostReason = end.reason;
      this.shared.lose(name, KIND_LABEL.unreachable, end.reason, this.running);
    }
    // An attempt its lost client left behind keeps its output only while no retry has started.
    const current = this.lostReason === undefined || rec.attempts === start.attempt;
    const again = start.attempt > 1;
    await Promise.all([out.settle(current ? join(dir, 'stdout') : undefined, again), err.settle(current ? join(dir, 'stderr') : undefined, again)]);
    this.running.delete(start.seq);
    const wasOpen = this.opened.delete(start.seq);
    if (this.lostReason !== undefined) return; // settled with the client's loss
    const local = out.error ?? err.error ?? stdinError;
    if (local !== undefined && end.kind !== 'interrupted' && end.kind !== 'refused') {
      end = { kind: 'exit', reason: `${local === stdinError ? 'reading the task\'s stdin file' : 'writing output on the director'}: ${writeFailure(local)}` };
      info.state = 'failed';
    }
    if (tail.path !== undefined) info.files = await this.gather(tail.path, slot, join(dir, 'files'));
    this.freeSlots.push(slot);
    const d = sched.finish(start.seq, start.attempt, end);
    if (!d) return;
    if (d.next === 'done') this.tally.done++;
    else if (d.next === 'failed') this.tally.failed++;
    this.shared.settle(d, { ...info, out: out.bytes, err: err.bytes });
    if (end.kind === 'refused') this.fewerSlots();
    else if (wasOpen) this.earnSlot();
  }

  /** How a task's channel ended, for the scheduler and the journal. */
  private ending(r: ExecResult, timeoutMs: number | undefined): [AttemptEnd, AttemptState] {
    if (r.code === null && r.signal === null && !r.timedOut && !r.interrupted && this.session.isLost) {
      return [{ kind: 'lost', reason: this.session.lostError().message }, 'lost'];
    }
    const { state, error } = endOfExec(r, timeoutMs);
    if (state === 'success') return [{ kind: 'done' }, 'done'];
    if (state === 'interrupted') return [{ kind: 'interrupted' }, 'interrupted'];
    const reason = error ? `${KIND_LABEL[error.kind]}: ${error.message}` : state;
    const s: AttemptState = state === 'exit' || state === 'signal' || state === 'timeout' ? state : 'failed';
    return [{ kind: 'exit', reason }, s];
  }

  /** A task whose exec threw: the connection went, the client refused a channel, or something else. */
  private failure(e: unknown): [AttemptEnd, AttemptState] {
    if (this.session.isLost) return [{ kind: 'lost', reason: this.session.lostError().message }, 'lost'];
    // The socket was closing before the session heard of it ("Not connected").
    if (e instanceof HostError && e.kind === 'unreachable') return [{ kind: 'lost', reason: e.message }, 'lost'];
    const msg = (e as Error)?.message ?? String(e);
    if (e instanceof HostError && e.kind === 'io' && msg.startsWith('cannot open a channel')) return [{ kind: 'refused' }, 'refused'];
    return [{ kind: 'exit', reason: msg }, 'failed'];
  }

  private header(spec: TaskSpec, attempt: number, slot: number): string {
    if (this.shared.plan.kind === 'map') {
      const file = spec.file as string;
      return taskHeader({ i: spec.id, a: String(attempt), s: String(slot), f: file }, [...this.shared.plan.args, file]);
    }
    return taskHeader({ i: spec.id, a: String(attempt), s: String(slot), x: spec.cmd as string }, spec.args ?? []);
  }

  /** Fetches what a task left in its slot's DIRECTOR_OUTPUT_DIR, then empties it for the next task. */
  private async gather(remote: string, slot: number, local: string): Promise<number | undefined> {
    if (remote !== `${this.dir}/o/${slot}` || this.session.isLost) return undefined;
    try {
      const got = await fetchTree(this.session, remote, local);
      return got.count;
    } catch {
      return undefined;
    } finally {
      await this.session.capture(clearSlotCommand(remote)).catch(() => undefined);
    }
  }

  /**
   * sshd refused a channel (its MaxSessions is below our slots): as many tasks at once as it
   * has open now. A refusal can also come from the server's lag in closing channels, so
   * slots are earned back after enough tasks ran without one (earnSlot).
   */
  private fewerSlots(): void {
    const { sched } = this.shared;
    const name = this.client.name;
    const slots = Math.max(1, this.opened.size);
    this.sinceChange = 0;
    if (slots >= sched.slotsOf(name)) return;
    sched.setSlots(name, slots);
    this.tally.slots = slots;
    if (!this.refusedNoted) this.shared.deps.events?.notice?.(`${name} refused a channel (its sshd's MaxSessions): fewer tasks at once there (${slots} now)`);
    this.refusedNoted = true;
  }

  private earnSlot(): void {
    const { sched } = this.shared;
    const name = this.client.name;
    const slots = sched.slotsOf(name);
    if (slots >= this.wanted || ++this.sinceChange < 2 * slots) return;
    this.sinceChange = 0;
    sched.setSlots(name, slots + 1);
    this.tally.slots = slots + 1;
    this.shared.wakes.wake(name);
  }
}

/**
 * The task's standard input: its header, then its stdin file if it has one. Read only once the
 * channel is open (`opened`); a read error of the file ends the input early and is reported.
 */
function withHeader(header: string, path: string | undefined, opened: () => void, onError: (e: Error) => void): Readable {
  if (path === undefined) {
    // The common case, thousands of times a run: no generator, no promise per chunk.
    let sent = false;
    return new Readable({
      read() {
        if (sent) return;
        sent = true;
        opened();
        this.push(header);
        this.push(null);
      },
    });
  }
  return Readable.from(
    (async function* () {
      opened();
      yield Buffer.from(header);
      try {
        for await (const chunk of createReadStream('', { fd: openSync(path, 'r') })) yield chunk as Buffer;
      } catch (e) {
        onError(e as Error);
      }
    })(),
  );
}
