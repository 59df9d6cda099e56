import { VirtualClock } from '../../nemo-emulator/runtime/clock';

// Drives an emulator's virtual clock for tests whose other parts (a worker, Temporal) run on
// real time: every few wall milliseconds time jumps to the end of the next emulated wait, so a
// 15-minute NIM start costs nothing. pause() holds every NeMo job exactly where it is until
// resume(); pauseWhen() pauses at the first step where a condition holds, before time moves on.

export interface ClockDriver {
  pause(): void;
  resume(): void;
  /** Resolves once `check` held before a step and the clock was paused there (the last call wins). */
  pauseWhen(check: () => Promise<boolean>): Promise<void>;
  stop(): Promise<void>;
}

export function driveClock(clock: VirtualClock, everyMs = 10): ClockDriver {
  let paused = false;
  let stopped = false;
  let hold: { check: () => Promise<boolean>; reached: () => void } | undefined;
  const loop = (async () => {
    while (!stopped) {
      if (hold) {
        const current = hold;
        // a check that throws (a request refused mid-run) counts as not yet
        const held = await current.check().catch(() => false);
        if (held) {
          paused = true;
          hold = undefined;
          current.reached();
        }
      }
      if (!paused) await clock.advanceToNext();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    pauseWhen: (check) =>
      new Promise<void>((reached) => {
        hold = { check, reached };
      }),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The clock as a VirtualClock, or a clear error when the emulator runs on the wall clock. */
export function virtualClockOf(running: { clock: unknown }): VirtualClock {
  if (!(running.clock instanceof VirtualClock)) throw new Error('this emulator runs on the wall clock');
  return running.clock;
}
