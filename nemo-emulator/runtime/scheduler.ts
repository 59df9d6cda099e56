import { type Clock, wallClock } from './clock';

// Time for the emulated life cycles. Durations are written as realistic milliseconds and
// multiplied by the time scale, so a demo looks real and a test finishes in milliseconds. They
// run on the emulator's clock (the wall clock, or a virtual one a test advances). Every timer
// and background task is tracked so close() and reset leave nothing running.

export class AbortedError extends Error {
  override name = 'AbortedError';
}

export class Scheduler {
  private root = new AbortController();
  private readonly timers = new Set<() => void>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly children = new Set<AbortController>();

  constructor(
    readonly timeScale: number,
    readonly clock: Clock = wallClock,
  ) {}

  /** Now on the emulator's clock (milliseconds since the epoch). */
  now(): number {
    return this.clock.now();
  }

  /** A controller aborted by `stopAll` too; one per job, so a job can be stopped alone. */
  controller(): AbortController {
    const own = new AbortController();
    if (this.root.signal.aborted) own.abort();
    else this.children.add(own);
    return own;
  }

  /** Sleeps a realistic duration scaled by the time scale, on the emulator's clock. */
  sleep(realisticMs: number, signal?: AbortSignal): Promise<void> {
    return this.wait(this.clock, realisticMs * this.timeScale, signal);
  }

  /**
   * Sleeps what is left of a realistic duration begun at `since` (now() when it began, on the
   * emulator's clock): the work done meanwhile (an evaluated item's model call and scoring)
   * counts toward it, so a job lasts what its profile says however busy the machine is, unless
   * the work alone takes longer.
   */
  sleepRest(realisticMs: number, since: number, signal?: AbortSignal): Promise<void> {
    return this.wait(this.clock, realisticMs * this.timeScale - (this.now() - since), signal);
  }

  /**
   * Sleeps wall-clock milliseconds, whatever the emulator's clock: injected HTTP latency and
   * hangs are what a client's own timers see, so they are neither scaled nor virtual.
   */
  sleepExactly(ms: number, signal?: AbortSignal): Promise<void> {
    return this.wait(wallClock, ms, signal);
  }

  private wait(clock: Clock, ms: number, signal: AbortSignal = this.root.signal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new AbortedError('stopped'));
      const onAbort = () => {
        cancel();
        this.timers.delete(cancel);
        reject(new AbortedError('stopped'));
      };
      const cancel = clock.timer(Math.max(0, ms), () => {
        this.timers.delete(cancel);
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      this.timers.add(cancel);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs a background task; an abort ends it quietly, any other error is reported. */
  spawn(label: string, task: () => Promise<void>): void {
    const running = task()
      .catch((err) => {
        if (!(err instanceof AbortedError)) console.error(`nemo-emulator: ${label} crashed`, err);
      })
      .finally(() => this.tasks.delete(running));
    this.tasks.add(running);
  }

  /** Aborts every job and timer and waits for the background tasks to unwind. */
  async stopAll(): Promise<void> {
    this.root.abort();
    for (const child of this.children) child.abort();
    this.children.clear();
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    await Promise.allSettled([...this.tasks]);
    this.root = new AbortController();
  }

  get signal(): AbortSignal {
    return this.root.signal;
  }
}
