import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NemoClientConfigSchema, type ResolvedNemoClientConfig } from '../../nemo-client';
import { EmulatorClient } from '../support/emulator-client';

// Where the NeMo client tests send their requests: an emulator started in-process on a random
// port, or, when NEMO_BASE_URL is set, a real NeMo deployment (NIM_BASE_URL,
// DATASTORE_BASE_URL, NMP_NAMESPACE, NEMO_API_KEY) with the same tests unchanged.

export const REAL_NEMO = Boolean(process.env.NEMO_BASE_URL);

/** Emulated life cycles take milliseconds; a real deployment or fine-tune takes many minutes. */
export const WAIT = REAL_NEMO
  ? { intervalMs: 10_000, timeoutMs: Number(process.env.NEMO_TEST_WAIT_MS ?? 3_600_000) }
  : { intervalMs: 25, timeoutMs: 30_000 };
export const SLOW_TEST_MS = REAL_NEMO ? WAIT.timeoutMs * 3 : 60_000;

/** Models the tests deploy and fine-tune (overridable for a real deployment's catalogue). */
export const TEST_MODEL = process.env.NEMO_TEST_MODEL ?? 'meta/llama-3.2-1b-instruct';
export const TEST_CUSTOMIZATION_TARGET = process.env.NEMO_TEST_CUSTOMIZATION_TARGET ?? `${TEST_MODEL}@2.0`;
export const JUDGE_MODEL = process.env.NEMO_TEST_JUDGE_MODEL ?? 'meta/llama-3.3-70b-instruct';
export const EMBEDDING_MODEL = process.env.NEMO_TEST_EMBEDDING_MODEL ?? 'nvidia/llama-3.2-nv-embedqa-1b-v2';

export interface NemoTarget {
  config: ResolvedNemoClientConfig;
  /** The emulator's `/admin` routes, when the target has them. */
  admin?: EmulatorClient;
  close(): Promise<void>;
}

/** A short random suffix, so names never collide with another run's. */
export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function startNemoTarget(
  /** `timeScale`: the emulator's (jobs as slow as on real NeMo at 1); a real deployment ignores it. */
  options: { timeoutMs?: number; namespace?: string; timeScale?: number } = {},
): Promise<NemoTarget> {
  const namespace = options.namespace ?? process.env.NMP_NAMESPACE ?? unique('fwtest');
  if (REAL_NEMO) {
    const nemo = process.env.NEMO_BASE_URL as string;
    const config = NemoClientConfigSchema.parse({
      nemoBaseUrl: nemo,
      nimBaseUrl: process.env.NIM_BASE_URL ?? nemo,
      datastoreBaseUrl: process.env.DATASTORE_BASE_URL ?? nemo,
      namespace,
      apiKey: process.env.NEMO_API_KEY || undefined,
      timeoutMs: options.timeoutMs,
    });
    return { config, admin: hasAdminEndpoint() ? new EmulatorClient(nemo) : undefined, close: async () => {} };
  }
  const { startEmulator } = await import('../../nemo-emulator/server');
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', timeScale: options.timeScale ?? 0.001, seed: 7 });
  const config = NemoClientConfigSchema.parse({
    nemoBaseUrl: emulator.url,
    nimBaseUrl: emulator.url,
    datastoreBaseUrl: emulator.url,
    namespace,
    timeoutMs: options.timeoutMs,
  });
  return { config, admin: new EmulatorClient(emulator.url), close: () => emulator.close() };
}

/**
 * Whether the target answers `/admin/counters` (always, for the in-process emulator). Checked
 * synchronously because jest defines describe blocks synchronously.
 */
export function hasAdminEndpoint(): boolean {
  if (!REAL_NEMO) return true;
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      'fetch(process.argv[1] + "/admin/counters", { signal: AbortSignal.timeout(5000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))',
      process.env.NEMO_BASE_URL as string,
    ],
    { timeout: 10_000 },
  );
  return probe.status === 0;
}

/** `describe` for tests that need the emulator's fault injection; absent against a real NeMo. */
export function describeWithEmulatorAdmin(name: string, body: () => void): void {
  if (hasAdminEndpoint()) {
    describe(`[emulator admin] ${name}`, () => {
      beforeAll(() => console.info(`running "${name}" against the emulator's /admin fault injection`));
      body();
    });
  } else {
    console.info(`"${name}" not defined: ${process.env.NEMO_BASE_URL} has no /admin endpoint (real NeMo)`);
  }
}
