import { NemoPermanentError, NemoRetryableError } from './errors';

export interface WaitOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Polls `read` until `done`; a `failed` reason ends it with a NemoPermanentError, running out
 * of time with a NemoRetryableError (the remote side may still get there).
 */
export async function pollUntil<T>(spec: {
  what: { method: string; path: string };
  read: () => Promise<T>;
  done: (value: T) => boolean;
  failed?: (value: T) => string | undefined;
  describe: (value: T) => string;
  options?: WaitOptions;
}): Promise<T> {
  const intervalMs = spec.options?.intervalMs ?? 1000;
  const deadline = Date.now() + (spec.options?.timeoutMs ?? 600_000);
  for (;;) {
    const value = await spec.read();
    if (spec.done(value)) return value;
    const failure = spec.failed?.(value);
    if (failure) throw new NemoPermanentError(failure, { ...spec.what, body: value });
    if (Date.now() + intervalMs > deadline) {
      throw new NemoRetryableError(`gave up waiting; last seen ${spec.describe(value)}`, { ...spec.what, body: value });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
