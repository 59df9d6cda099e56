import { NemoRetryableError } from './errors';

// How a create whose response was lost is found again on the real API. Evaluation jobs have no
// name and customization jobs no name filter (SDK 1.5.0), so every job Flywheel creates carries
// its deterministic key in `custom_fields[FIND_AGAIN_FIELD]`: evaluation jobs are listed with
// `filter[custom_fields][flywheel_key]=<key>` (and the namespace), customization jobs with the
// documented `filter[dataset]` (the run's own training dataset) and `filter[namespace]`, then
// matched on the key. Deployments, datasets and configs are addressed by namespace and name.

export const FIND_AGAIN_FIELD = 'flywheel_key';

export const customFieldsOf = (key: string) => ({ [FIND_AGAIN_FIELD]: key });

export function hasKey(entry: { custom_fields?: Record<string, unknown> | null }, key: string): boolean {
  return entry.custom_fields?.[FIND_AGAIN_FIELD] === key;
}

/** Every generation of one logical job shares this field (its base key). */
export const BASE_FIELD = 'flywheel_base';
/** The workflow run that created the job. */
export const GENERATION_FIELD = 'flywheel_generation';

export interface KeyedJob {
  id: string;
  status?: string | null;
  created_at?: string | null;
  custom_fields?: Record<string, unknown> | null;
}

export type JobChoice<J> = { resume: J } | { create: { key: string; customFields: Record<string, string> } };

/**
 * Which job a (re)started activity uses, given every job of its base key. A job still alive
 * or completed is resumed (a lost create response, a retried activity). When every earlier job
 * ended failed or cancelled, a fresh one is made under a key carrying `generation` (the
 * workflow run id: a reset or a new run of the same job gets a new one), so a retry never
 * reuses a failed job; a failed job created by this same generation is resumed (and reports
 * its failure) rather than duplicated.
 */
export function chooseJob<J extends KeyedJob>(jobs: J[], base: string, generation: string): JobChoice<J> {
  const mine = jobs
    .filter((j) => j.custom_fields?.[BASE_FIELD] === base || j.custom_fields?.[FIND_AGAIN_FIELD] === base)
    .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
  const usable = mine.find((j) => j.status !== 'failed' && j.status !== 'cancelled');
  if (usable) return { resume: usable };
  const same = mine.find((j) => j.custom_fields?.[GENERATION_FIELD] === generation);
  if (same) return { resume: same };
  const key = mine.length === 0 ? base : `${base}~${generation}`;
  return {
    create: { key, customFields: { [FIND_AGAIN_FIELD]: key, [BASE_FIELD]: base, [GENERATION_FIELD]: generation } },
  };
}

/**
 * Which job of `key` is the one to keep when more than one is alive: two attempts raced past
 * the list (a timed-out attempt still running in another worker), or a create whose answer
 * never came was carried out after a retry had listed. The earliest created usable job wins
 * (ties by id), so every racer settles on the same job; the others are `redundant`, to cancel.
 * `mine` (the job the caller has in hand) counts even when the list does not show it yet.
 */
export function survivorOf<J extends KeyedJob>(jobs: J[], mine: J, key: string): { keep: J; redundant: J[] } {
  const alive = jobs.filter(
    (j) => j.custom_fields?.[FIND_AGAIN_FIELD] === key && j.status !== 'failed' && j.status !== 'cancelled',
  );
  if (!alive.some((j) => j.id === mine.id)) alive.push(mine);
  alive.sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
  const [keep, ...redundant] = alive as [J, ...J[]];
  return { keep, redundant };
}

/**
 * A create that may have been carried out though no answer said so: no response at all (a
 * timeout, a dropped connection) or a gateway's 502/504. A 429, 503 or 500 from the service
 * itself means it did not create.
 */
export function createOutcomeUnknown(err: unknown): boolean {
  return err instanceof NemoRetryableError && (err.status === undefined || err.status === 502 || err.status === 504);
}

const ensuring = new Map<string, Promise<unknown>>();

/**
 * Runs `work` once every earlier call with the same key in this process has settled. A heartbeat
 * timeout leaves the timed-out attempt running (its event loop was blocked, say) while Temporal
 * hands the retry to the same worker: serialising their list-then-create makes the retry see
 * the job the first one created instead of racing it to a second create.
 */
export async function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = ensuring.get(key) ?? Promise.resolve();
  const mine = before.then(work, work);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  ensuring.set(key, settled);
  try {
    return await mine;
  } finally {
    if (ensuring.get(key) === settled) ensuring.delete(key);
  }
}
