import { VirtualClock, wallClock } from '../../nemo-emulator/runtime/clock';
import { Scheduler } from '../../nemo-emulator/runtime/scheduler';
import { shopLogs, trainingLine } from './fixtures';
import { customizationBody, Emulator, jsonl } from './support';

// The emulator's injectable clock: a virtual clock moves only when advanced, fires the waits
// due on the way in order (chained waits too), and the admin route drives it over HTTP.

describe('VirtualClock', () => {
  test('timers fire in due order when time is advanced past them, never before', async () => {
    const clock = new VirtualClock(1_000);
    const fired: string[] = [];
    clock.timer(300, () => fired.push('b'));
    clock.timer(100, () => fired.push('a'));
    const cancel = clock.timer(200, () => fired.push('cancelled'));
    cancel();
    expect(await clock.advance(99)).toBe(0);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_099);
    expect(await clock.advance(1_000)).toBe(2);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(2_099);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a chain of scheduler sleeps inside one advance all complete, at their own times', async () => {
    const clock = new VirtualClock(0);
    const scheduler = new Scheduler(1, clock);
    const seen: number[] = [];
    scheduler.spawn('chain', async () => {
      for (let i = 0; i < 3; i++) {
        await scheduler.sleep(60_000);
        seen.push(clock.now());
      }
    });
    await clock.advance(150_000);
    expect(seen).toEqual([60_000, 120_000]);
    expect(await clock.advanceToNext()).toBe(true);
    expect(seen).toEqual([60_000, 120_000, 180_000]);
    expect(await clock.advanceToNext()).toBe(false);
  });

  test('stopAll cancels the virtual waits; a negative advance is refused', async () => {
    const clock = new VirtualClock(0);
    const scheduler = new Scheduler(1, clock);
    let finished = false;
    scheduler.spawn('long', async () => {
      await scheduler.sleep(1_000);
      finished = true;
    });
    await scheduler.stopAll();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10_000);
    expect(finished).toBe(false);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  test('the wall clock is the default', () => {
    expect(new Scheduler(1).clock).toBe(wallClock);
  });
});

describe('POST /admin/clock/advance', () => {
  test('a customization with realistic durations completes only as virtual time is advanced', async () => {
    const emulator = await Emulator.start({ timeScale: 1, profile: 'realistic', clock: 'virtual' });
    try {
      const config = await emulator.createConfig('clk', 'meta/llama-3.2-1b-instruct');
      await emulator.uploadDataset('clk', 'train', {
        'training/train_data.jsonl': jsonl(shopLogs(4, 1).map(trainingLine)),
      });
      const job = await emulator.ok(
        'POST',
        '/v1/customization/jobs',
        customizationBody('clk', config, 'train', 'clk/m'),
      );
      const status = async () => (await emulator.ok('GET', `/v1/customization/jobs/${job.id}/status`)).status;
      const before = await emulator.ok('GET', '/admin/clock');
      expect(before).toMatchObject({ kind: 'virtual', pending_timers: 1 });
      // the accept wait is 5 s: 4 s in, the job is still created
      await emulator.ok('POST', '/admin/clock/advance', { ms: 4_000 });
      expect(await status()).toBe('created');
      const after = await emulator.ok('POST', '/admin/clock/advance', { ms: 1_000 });
      expect(after.now_ms - before.now_ms).toBe(5_000);
      expect(await status()).toBe('pending');
      // queue 3 min, then training: an hour of virtual time finishes it
      await emulator.ok('POST', '/admin/clock/advance', { ms: 60 * 60_000 });
      expect(await status()).toBe('completed');
      const bad = await emulator.call('POST', '/admin/clock/advance', { ms: -5 });
      expect(bad.status).toBe(422);
      expect(bad.body.detail[0].loc).toEqual(['body', 'ms']);
    } finally {
      await emulator.close();
    }
  });

  test('on the wall clock, advancing is a 409 saying how to get a virtual clock', async () => {
    const emulator = await Emulator.start();
    try {
      expect((await emulator.ok('GET', '/admin/clock')).kind).toBe('wall');
      const reply = await emulator.call('POST', '/admin/clock/advance', { to_next: true });
      expect(reply.status).toBe(409);
      expect(reply.body.detail).toMatch(/--clock virtual/);
    } finally {
      await emulator.close();
    }
  });
});
