import { NemoPermanentError, NemoRetryableError } from '../../nemo-client/errors';
import { pollUntil } from '../../nemo-client/wait';

// Polling a NeMo resource until it is done: the value once done, a permanent error on a failure
// reason, a retryable one when time runs out (the remote side may still get there).

const what = { method: 'GET', path: '/v1/customization/jobs/j1' };

function sequence<T>(values: T[]) {
  let reads = 0;
  return {
    read: async () => values[Math.min(reads++, values.length - 1)] as T,
    reads: () => reads,
  };
}

test('reads until done and answers the value that was done', async () => {
  const s = sequence(['pending', 'running', 'running', 'completed']);
  const value = await pollUntil({
    what,
    read: s.read,
    done: (v) => v === 'completed',
    describe: (v) => v,
    options: { intervalMs: 1 },
  });
  expect(value).toBe('completed');
  expect(s.reads()).toBe(4);
});

test('a failure reason stops at once with a permanent error carrying the last value', async () => {
  const s = sequence(['running', 'failed', 'completed']);
  const error = await pollUntil({
    what,
    read: s.read,
    done: (v) => v === 'completed',
    failed: (v) => (v === 'failed' ? 'the job failed: out of memory' : undefined),
    describe: (v) => v,
    options: { intervalMs: 1 },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NemoPermanentError);
  expect((error as Error).message).toContain('out of memory');
  expect(s.reads()).toBe(2);
});

test('running out of time is retryable and says what it saw last', async () => {
  const s = sequence(['running']);
  const error = await pollUntil({
    what,
    read: s.read,
    done: () => false,
    describe: (v) => `status ${v}`,
    options: { intervalMs: 5, timeoutMs: 30 },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NemoRetryableError);
  expect((error as Error).message).toContain('status running');
  expect(s.reads()).toBeGreaterThanOrEqual(2);
  expect(s.reads()).toBeLessThanOrEqual(8);
});

test('a value done on the first read needs no wait, even with no time left', async () => {
  const s = sequence(['completed']);
  await expect(
    pollUntil({ what, read: s.read, done: (v) => v === 'completed', describe: (v) => v, options: { timeoutMs: 0 } }),
  ).resolves.toBe('completed');
});
