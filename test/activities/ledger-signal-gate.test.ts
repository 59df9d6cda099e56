import { LedgerSignalGate } from '../../activities/ledger-signal-gate';

// Exercises: activities/gpu-budget.ts (every ledger signal goes through its gate)

const deferred = () => {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('the ledger signal gate', () => {
  test('never has more than its limit in flight, and starts the waiting ones in order', async () => {
    const gate = new LedgerSignalGate(2);
    const sends = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let peak = 0;
    const done = sends.map((d, i) =>
      gate.run(async () => {
        started.push(i);
        peak = Math.max(peak, gate.load.active);
        await d.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(gate.load).toEqual({ active: 2, waiting: 3 });
    sends[1]?.resolve();
    await done[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const d of sends) d.resolve();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  test('a failed signal frees its place and its error reaches the caller', async () => {
    const gate = new LedgerSignalGate(1);
    const first = deferred();
    const failing = gate.run(() => first.promise);
    const next = gate.run(async () => 'sent');
    first.reject(new Error('DEADLINE_EXCEEDED'));
    await expect(failing).rejects.toThrow('DEADLINE_EXCEEDED');
    await expect(next).resolves.toBe('sent');
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  test('refuses a limit below one', () => {
    expect(() => new LedgerSignalGate(0)).toThrow(/>= 1/);
  });
});
