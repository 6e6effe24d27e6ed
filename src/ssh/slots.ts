// A counting semaphore for the Fleet: at most `size` holders at once, first come, first
// served. Unlike p-limit, a slot is a value given back whenever its holder is done with it,
// so a client can hold a connection-attempt slot until it has a work slot, and then let go
// of the first.
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  /** Resolves once a slot is free. */
  async take(): Promise<Slot> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const slot = {
      held: true,
      release: () => {
        if (!slot.held) return;
        slot.held = false;
        const next = this.waiting.shift();
        if (next) next();
        else this.free++;
      },
    };
    return slot;
  }
}

export interface Slot {
  /** False once released. */
  readonly held: boolean;
  /** Gives the slot to the next waiting client; a second call does nothing. */
  release(): void;
}
