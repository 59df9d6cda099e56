import { z } from 'zod';
import type { NmpConfig } from '../config/schema';

/** How long a NeMo call waits for its answer unless configured otherwise. */
export const DEFAULT_NEMO_TIMEOUT_MS = 30_000;

export const NemoClientConfigSchema = z.object({
  /** Entity Store, Deployment Management, Customizer and Evaluator. */
  nemoBaseUrl: z.url(),
  /** The OpenAI-compatible NIM proxy. */
  nimBaseUrl: z.url(),
  /** Datastore (Hugging Face Hub API under /v1/hf). */
  datastoreBaseUrl: z.url(),
  namespace: z.string().min(1),
  /** Sent as `Authorization: Bearer` to every service when set. */
  apiKey: z.string().min(1).optional(),
  /** Per-request timeout. */
  timeoutMs: z.number().int().positive().default(DEFAULT_NEMO_TIMEOUT_MS),
  /** Entries per list page when scanning lists (find-by-name reads every page). */
  pageSize: z.number().int().min(1).max(1000).default(100),
});

export type NemoClientConfig = z.input<typeof NemoClientConfigSchema>;
export type ResolvedNemoClientConfig = z.infer<typeof NemoClientConfigSchema>;

/** Client settings from a flywheel config's `nmp_config`; the API key comes from NEMO_API_KEY. */
export function nemoClientConfigFrom(
  nmp: NmpConfig,
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<NemoClientConfig> = {},
): ResolvedNemoClientConfig {
  return NemoClientConfigSchema.parse({
    nemoBaseUrl: nmp.nemo_base_url,
    nimBaseUrl: nmp.nim_base_url,
    datastoreBaseUrl: nmp.datastore_base_url,
    namespace: nmp.nmp_namespace,
    apiKey: env.NEMO_API_KEY || undefined,
    ...overrides,
  });
}
