import { LedgerCallBatcher } from '../../activities/ledger-call-batcher';
import { LedgerSignalGate } from '../../activities/ledger-signal-gate';

type Send = { calls: number[]; resolve: (answers: string[]) => void; reject: (err: Error) => void };

/** A batcher whose sends wait until the test answers them. */
function rig(limit: number, maxBatch?: number) {
  const sends: Send[] = [];
  const batcher = new LedgerCallBatcher<number, string>(
    new LedgerSignalGate(limit),
    (calls) => new Promise((resolve, reject) => sends.push({ calls, resolve, reject })),
    maxBatch,
  );
  return { sends, batcher };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the ledger call batcher', () => {
  test('calls that arrive while the gate is full go together in the next batch, each answered its own', async () => {
    const { sends, batcher } = rig(1);
    const answers = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    await settle();
    expect(sends.map((s) => s.calls)).toEqual([[1]]);
    expect(batcher.waiting).toBe(4);
    sends[0]?.resolve(['a1']);
    await settle();
    expect(sends.map((s) => s.calls)).toEqual([[1], [2, 3, 4, 5]]);
    sends[1]?.resolve(['a2', 'a3', 'a4', 'a5']);
    await expect(Promise.all(answers)).resolves.toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    // the gate's turns that found their calls already sent sent nothing
    await settle();
    expect(sends).toHaveLength(2);
  });

  test('a batch never holds more than its maximum; the rest go in the batches after it', async () => {
    const { sends, batcher } = rig(1, 2);
    const answers = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    for (let i = 0; i < 4; i++) {
      await settle();
      const send = sends[i];
      send?.resolve(send.calls.map((n) => `a${n}`));
    }
    await expect(Promise.all(answers)).resolves.toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(sends.map((s) => s.calls)).toEqual([[1], [2, 3], [4, 5]]);
  });

  test('a failed batch fails each of its calls, and only those', async () => {
    const { sends, batcher } = rig(1);
    const first = batcher.submit(1);
    const second = [2, 3].map((n) => batcher.submit(n));
    await settle();
    sends[0]?.resolve(['a1']);
    await settle();
    sends[1]?.reject(new Error('DEADLINE_EXCEEDED'));
    await expect(first).resolves.toBe('a1');
    for (const answer of second) await expect(answer).rejects.toThrow('DEADLINE_EXCEEDED');
    const after = batcher.submit(4);
    await settle();
    sends[2]?.resolve(['a4']);
    await expect(after).resolves.toBe('a4');
  });

  test('an answer that does not match its batch fails the batch rather than misroute answers', async () => {
    const { sends, batcher } = rig(1);
    const first = batcher.submit(1);
    await settle();
    const rest = [2, 3].map((n) => batcher.submit(n));
    sends[0]?.resolve(['a1']);
    await settle();
    sends[1]?.resolve(['only one']);
    await expect(first).resolves.toBe('a1');
    for (const answer of rest) await expect(answer).rejects.toThrow('answered 1 of a batch of 2');
  });
});
