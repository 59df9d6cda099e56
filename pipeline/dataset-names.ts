import { createHash } from 'node:crypto';

// Dataset (and Datastore repository) names for one run. Repository names allow only letters,
// digits, '.', '_' and '-', and are short; a workload id that needs changing gets a hash of
// the original appended, so two workloads never map to the same name.

export interface DatasetNames {
  eval: string;
  icl: string;
  train: string;
}

const MAX_SLUG = 40;

export function workloadSlug(workloadId: string): string {
  const cleaned = workloadId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (cleaned === workloadId && cleaned.length <= MAX_SLUG) return cleaned;
  const hash = createHash('sha256').update(workloadId).digest('hex').slice(0, 8);
  const head = cleaned.slice(0, MAX_SLUG - hash.length - 1).replace(/-$/, '');
  return head ? `${head}-${hash}` : hash;
}

export function runSlug(runId: string): string {
  return (
    runId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
      .slice(0, 32) || 'run'
  );
}

/** `flywheel-{eval|icl|train}-{workload}-{run}`, the same on every retry of a run. */
export function datasetNames(workloadId: string, runId: string): DatasetNames {
  const suffix = `${workloadSlug(workloadId)}-${runSlug(runId)}`;
  return { eval: `flywheel-eval-${suffix}`, icl: `flywheel-icl-${suffix}`, train: `flywheel-train-${suffix}` };
}

/** Files inside the dataset repositories, where Evaluator and Customizer look for them. */
export const DATASET_FILES = {
  eval: 'eval_data.jsonl',
  train: 'training/train_data.jsonl',
  val: 'validation/val_data.jsonl',
} as const;
