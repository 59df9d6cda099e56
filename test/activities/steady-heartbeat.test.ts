import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeat, withSteadyHeartbeat } from '../../activities/heartbeat';
import { nextPollDelay, pollUntilDone } from '../../activities/poll';
import { ProgressWriter } from '../../activities/progress-writer';
import { silentLogger } from '../support/temporal';

// Heartbeats that do not depend on the work in between, coalesced progress writes and the
// adaptive poll delay (issue 20). Real timers at small scales: a heartbeat timeout of 200 ms.

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function environment(info: Record<string, unknown> = {}) {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 200, ...info }, { logger: silentLogger });
  const beats: { at: number; details: unknown }[] = [];
  env.on('heartbeat', (details: unknown) => beats.push({ at: Date.now(), details }));
  return { env, beats };
}

describe('steady heartbeat', () => {
  test('keeps beating while the activity awaits a call slower than the heartbeat timeout', async () => {
    const { env, beats } = environment();
    const activity = withSteadyHeartbeat(async () => {
      heartbeat({ remoteJobId: 'job-1' });
      await wait(700); // a store write or status read that takes 3.5 heartbeat timeouts
      return 'done';
    });
    const started = Date.now();
    expect(await env.run(activity)).toBe('done');
    const times = [started, ...beats.map((b) => b.at)];
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.max(...gaps)).toBeLessThan(350); // 700 ms if beats waited for the call
    expect(beats.length).toBeGreaterThanOrEqual(10);
    // every beat after the first record carries the resume details, none wipes them
    const afterRecord = beats.slice(beats.findIndex((b) => b.details !== undefined));
    expect(afterRecord.every((b) => (b.details as { remoteJobId?: string })?.remoteJobId === 'job-1')).toBe(true);
  });

  test('a retry beats the previous attempt’s details until it records its own', async () => {
    const { env, beats } = environment({ heartbeatDetails: { remoteJobId: 'job-from-attempt-1' } });
    await env.run(withSteadyHeartbeat(() => wait(120)));
    expect(beats.length).toBeGreaterThan(1);
    expect(beats.every((b) => (b.details as { remoteJobId: string }).remoteJobId === 'job-from-attempt-1')).toBe(true);
  });

  test('stops beating when the work is stuck, so the heartbeat timeout can end the attempt', async () => {
    const { env, beats } = environment();
    await env.run(withSteadyHeartbeat(() => wait(400), { stuckAfterMs: 100 }));
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.at(-1)?.at ?? 0).toBeLessThan(Date.now() - 200);
  });

  test('an activity without a heartbeat timeout runs untouched', async () => {
    const { env, beats } = environment({ heartbeatTimeoutMs: undefined });
    await env.run(withSteadyHeartbeat(() => wait(100)));
    expect(beats).toHaveLength(0);
  });
});

describe('coalesced progress writes', () => {
  test('keeps only the latest progress and writes at most once per interval', async () => {
    let now = 0;
    const written: number[] = [];
    const writer = new ProgressWriter<number>({
      write: async (p) => {
        written.push(p);
      },
      everyMs: 5000,
      now: () => now,
    });
    for (let p = 1; p <= 100; p++) {
      writer.offer(p); // one offer per 100 ms poll for 10 s
      await Promise.resolve();
      now += 100;
    }
    await writer.flush();
    expect(written).toEqual([1, 51, 100]);
  });

  test('never has two writes in flight, and a failed write does not fail the poll', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const written: number[] = [];
    const writer = new ProgressWriter<number>({
      write: async (p) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await wait(30);
        inFlight--;
        if (p === 1) throw new Error('store down');
        written.push(p);
      },
      everyMs: 0,
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (let p = 1; p <= 5; p++) {
      writer.offer(p);
      await wait(10);
    }
    await writer.flush();
    warn.mockRestore();
    expect(maxInFlight).toBe(1);
    expect(written.at(-1)).toBe(5);
  });
});

describe('adaptive poll delay', () => {
  const base = { intervalMs: 1000, lastReadMs: 5, transientFailures: 0 };
  test('starts short and grows with the time waited (a quarter of it) up to the configured interval', () => {
    expect([0, 100, 400, 1000, 2000, 3000, 10_000].map((elapsedMs) => nextPollDelay({ ...base, elapsedMs }))).toEqual([
      50, 50, 100, 250, 500, 750, 1000,
    ]);
  });
  test('a job is noticed at most a quarter of its duration late (plus the first pause)', () => {
    for (const jobMs of [70, 300, 1234, 3000]) {
      let at = 0;
      while (at < jobMs) at += nextPollDelay({ ...base, elapsedMs: at });
      expect(at - jobMs).toBeLessThanOrEqual(Math.max(50, 0.25 * jobMs));
    }
  });
  test('stretches with slow reads and with transient failures, within a cap', () => {
    expect(nextPollDelay({ ...base, elapsedMs: 10_000, lastReadMs: 2000 })).toBe(8000);
    expect(nextPollDelay({ ...base, elapsedMs: 10_000, transientFailures: 3 })).toBe(4000);
    expect(nextPollDelay({ ...base, elapsedMs: 10_000, lastReadMs: 60_000 })).toBe(30_000);
  });
});

describe('pollUntilDone under a slow store', () => {
  test('the poll loop does not wait for progress writes, and the last progress is written', async () => {
    const { env } = environment();
    let reads = 0;
    const written: number[] = [];
    const readTimes: number[] = [];
    const result = await env.run(
      withSteadyHeartbeat(() =>
        pollUntilDone({
          read: async () => {
            readTimes.push(Date.now());
            return ++reads;
          },
          headway: (n) => n,
          done: (n) => n >= 8,
          failed: () => undefined,
          progress: {
            of: (n) => n,
            write: async (n) => {
              await wait(300); // a store write slower than the heartbeat timeout
              written.push(n);
            },
            everyMs: 0,
          },
          heartbeat: (n) => ({ remoteJobId: 'job-1', progress: n }),
          intervalMs: 20,
          stallTimeoutMs: 10_000,
        }),
      ),
    );
    expect(result).toBe(8);
    // eight reads 20 ms apart finish long before even two 300 ms writes could
    expect((readTimes.at(-1) as number) - (readTimes[0] as number)).toBeLessThan(300);
    expect(written.at(-1)).toBe(8);
    expect(written.length).toBeLessThan(8);
  });

  test('a retry continues the stall clock it finds in the heartbeat details', async () => {
    const since = Date.now() - 60_000;
    const { env } = environment({
      heartbeatDetails: { remoteJobId: 'job-1', stall: { name: 'poll', best: 40, since } },
    });
    const running = env.run(() =>
      pollUntilDone({
        read: async () => 40, // no headway since the previous attempt
        headway: (n) => n,
        done: () => false,
        failed: () => undefined,
        heartbeat: () => ({ remoteJobId: 'job-1' }),
        intervalMs: 20,
        stallTimeoutMs: 30_000,
      }),
    );
    await expect(running).rejects.toThrow(/no progress for 30s/);
  });
});
