// Where clients meet before their files are sent, so that those wanting the same files share
// one read of them (one tar stream fanned out: tar-batch.ts sendBatchToMany). A client arrives
// once it knows what it needs; a wave of sending starts when nobody who holds a work slot is
// still finding out, and either no client is still connecting, every -p slot is taken, or
// the wait for connecting clients has lasted `windowMs` (one that never answers must not hold
// the rest back). Arrivals with the same key form one group; a client that comes later joins
// a later wave and reads the files again: "once per batch where it can".

type State = 'connecting' | 'working' | 'waiting' | 'sending' | 'done';

interface Arrival<M, G> {
  key: string;
  member: M;
  resolve: (group: G) => void;
}

export class Rendezvous<M, G> {
  private readonly state = new Map<string, State>();
  private waiting: Array<Arrival<M, G>> = [];
  private timer: NodeJS.Timeout | undefined;

  /** `start` makes the shared work of one group of members (same key, same wave). */
  constructor(
    private readonly parallel: number,
    private readonly start: (members: M[]) => G,
    private readonly windowMs = 300,
  ) {}

  /** Fleet's onStart: the client is connecting. */
  connecting(name: string): void {
    this.state.set(name, 'connecting');
  }

  /** Fleet's onConnected: it holds a work slot and is finding out what it needs. */
  connected(name: string): void {
    this.state.set(name, 'working');
    this.check();
  }

  /** Fleet's onDone: gone, whether it arrived or not. */
  done(name: string): void {
    this.state.set(name, 'done');
    this.check();
  }

  /** The client knows what it needs (`key`); resolves with its group once the wave starts. */
  arrive(name: string, key: string, member: M): Promise<G> {
    this.state.set(name, 'waiting');
    return new Promise<G>((resolve) => {
      this.waiting.push({ key, member, resolve });
      this.check();
    });
  }

  private count(s: State): number {
    let n = 0;
    for (const v of this.state.values()) if (v === s) n++;
    return n;
  }

  private check(): void {
    if (this.waiting.length === 0 || this.count('working') > 0) return;
    const slotsHeld = this.count('waiting') + this.count('sending');
    if (this.count('connecting') === 0 || slotsHeld >= this.parallel) return this.go();
    this.timer ??= setTimeout(() => this.go(), this.windowMs);
  }

  private go(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const wave = this.waiting;
    this.waiting = [];
    const groups = new Map<string, Array<Arrival<M, G>>>();
    for (const a of wave) groups.set(a.key, [...(groups.get(a.key) ?? []), a]);
    for (const arrivals of groups.values()) {
      const group = this.start(arrivals.map((a) => a.member));
      for (const a of arrivals) a.resolve(group);
    }
    for (const [name, s] of this.state) if (s === 'waiting') this.state.set(name, 'sending');
  }
}
