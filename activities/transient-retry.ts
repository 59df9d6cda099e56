import { Context } from '@temporalio/activity';

/** The NeMo client's retryable errors (network, timeout, 408, 429, 5xx). */
export const isTransient = (err: unknown): boolean => err instanceof Error && err.name === 'NemoRetryableError';

export interface TransientRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** First pause; doubles per try up to `maxDelayMs`. */
  delayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs one idempotent NeMo call inside a long activity, trying it again after a 5xx, 429 or
 * timeout. Without this, one transient error would fail the whole activity and its retry would
 * redo everything before the call (for the dataset build: export, split and every upload).
 * Sleeps through the activity context, so cancellation still ends the wait.
 */
export async function retryTransient<T>(call: () => Promise<T>, options: TransientRetryOptions = {}): Promise<T> {
  const { attempts = 8, delayMs = 500, maxDelayMs = 10_000 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isTransient(err) || attempt >= attempts) throw err;
      // with jitter, so many activities that hit the same overloaded service do not retry in step
      const backoff = Math.min(maxDelayMs, delayMs * 2 ** (attempt - 1));
      await Context.current().sleep(backoff / 2 + Math.random() * (backoff / 2));
    }
  }
}
