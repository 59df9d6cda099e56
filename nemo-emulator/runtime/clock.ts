// The emulator's clock: what the life cycles' waits run on. The wall clock is the default (a
// demo and the CLI behave as before). A virtual clock stands still until it is advanced, through
// the in-process handle (`startEmulator(...).clock`) or `POST /admin/clock/advance`, so a test
// waits on virtual time: it jumps over a 15-minute NIM start, or holds a job exactly where it is
// for as long as the test needs. Injected HTTP latency stays on the wall clock (see Scheduler).

export interface Clock {
  readonly kind: 'wall' | 'virtual';
  /** Milliseconds since the epoch on this clock. */
  now(): number;
  /** Calls `fire` once `ms` have passed on this clock; the returned function cancels it. */
  timer(ms: number, fire: () => void): () => void;
}

export const CLOCK_KINDS = ['wall', 'virtual'] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

export const wallClock: Clock = {
  kind: 'wall',
  now: () => Date.now(),
  timer(ms, fire) {
    const handle = setTimeout(fire, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  due: number;
  seq: number;
  fire: () => void;
}

/** A turn of the event loop: what a fired timer resumed runs, and may set its next timer. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  readonly kind = 'virtual';
  private at: number;
  private seq = 0;
  private readonly pending = new Map<number, PendingTimer>();

  /** Starts at `start` (default: the wall time now), so timestamps read like real ones. */
  constructor(start: number = Date.now()) {
    this.at = start;
  }

  now(): number {
    return this.at;
  }

  timer(ms: number, fire: () => void): () => void {
    const seq = ++this.seq;
    this.pending.set(seq, { due: this.at + Math.max(0, ms), seq, fire });
    return () => this.pending.delete(seq);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  /** When the next timer fires, or undefined when nothing waits. */
  nextDue(): number | undefined {
    return this.earliest()?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in order of due time; after
   * each one the event loop turns, so a wait it chains (the next step of a job) fires in the
   * same advance when it falls inside the window.
   */
  async advance(ms: number): Promise<number> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance: ${ms} is not a non-negative duration`);
    const target = this.at + ms;
    let fired = 0;
    for (;;) {
      await turn();
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.pending.delete(next.seq);
      this.at = next.due;
      next.fire();
      fired++;
    }
    this.at = target;
    return fired;
  }

  /** Jumps to the next timer and fires it (and any due with it); false when nothing waits. */
  async advanceToNext(): Promise<boolean> {
    await turn();
    const due = this.nextDue();
    if (due === undefined) return false;
    await this.advance(due - this.at);
    return true;
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.pending.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

export function createClock(kind: ClockKind = 'wall'): Clock {
  return kind === 'virtual' ? new VirtualClock() : wallClock;
}
