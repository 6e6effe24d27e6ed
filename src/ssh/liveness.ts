// Is the peer still there? OpenSSH's answer (ServerAliveInterval, ServerAliveCountMax): the
// peer is alive while it sends anything, and a keepalive request goes out only after an
// interval of silence. ssh2's own keepalive instead waits for the reply to each request;
// on a slow link that reply queues behind megabytes of our own data, and a working
// connection is declared dead. Here any byte received counts: window adjustments, output,
// replies. (Through 400 kbit/s, sshd's window adjustments for an upload come every ~2.7 s,
// measured: a check shorter than that calls a working upload dead.)
import { trace } from '../trace.js';

/** ServerAliveInterval in ms (0 = no check) and ServerAliveCountMax. */
export interface AliveSettings {
  intervalMs: number;
  countMax: number;
}

export const DEFAULT_ALIVE: AliveSettings = { intervalMs: 15_000, countMax: 3 };

/** A timer may fire a millisecond or two before Date.now() says its time has come. */
const TIMER_SLACK_MS = 5;

/** What the check watches: the connection's socket (only its 'data' events are used). */
export interface Heard {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** How long silence may last before the peer is taken for dead. */
export function silenceLimitMs(s: AliveSettings): number {
  return s.intervalMs * Math.max(1, s.countMax);
}

export function describeAlive(s: AliveSettings): string {
  return `nothing received for ${silenceLimitMs(s) / 1000}s (ServerAliveInterval ${s.intervalMs / 1000} × ServerAliveCountMax ${s.countMax})`;
}

/**
 * Watches one connection: a keepalive request after each silent interval, `onDead` once the
 * silence reached interval × count. The timer never keeps the process alive by itself.
 */
export class Liveness {
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly onData = () => {
    this.lastHeard = Date.now();
  };

  constructor(
    private readonly socket: Heard,
    private readonly settings: AliveSettings,
    private readonly ping: () => void,
    private readonly onDead: (why: string) => void,
  ) {
    if (settings.intervalMs <= 0) {
      this.stopped = true;
      return;
    }
    socket.on('data', this.onData);
    this.wakeIn(settings.intervalMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
  }

  private wakeIn(ms: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(10, ms));
    this.timer.unref();
  }

  private verdict(): void {
    if (this.stopped) return;
    if (Date.now() - this.lastHeard + TIMER_SLACK_MS < silenceLimitMs(this.settings)) return this.check();
    this.stop();
    this.onDead(describeAlive(this.settings));
  }

  /** Runs at each interval boundary after the last byte heard (a byte since moves the boundaries). */
  private check(): void {
    if (this.stopped) return;
    const { intervalMs } = this.settings;
    const silentMs = Date.now() - this.lastHeard + TIMER_SLACK_MS;
    if (silentMs >= silenceLimitMs(this.settings)) {
      // Timers run before the poll for I/O: after a stall of this process (a busy event loop,
      // a starved CPU) bytes that did arrive are still unread. The verdict waits for one poll.
      // (Left ref'd: an unref'd immediate lets that poll block until some other event.)
      setImmediate(() => this.verdict());
      return;
    }
    const intervals = Math.floor(silentMs / intervalMs);
    if (intervals >= 1) {
      trace(`nothing received for ${silentMs} ms: keepalive`);
      this.ping();
    }
    this.wakeIn(this.lastHeard + (intervals + 1) * intervalMs - Date.now());
  }
}
