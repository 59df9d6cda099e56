import { z } from 'zod';
import type { EmulatorContext } from '../context';
import type { TrainingPair } from '../models/embedding-tuning';
import { readDatastoreFile } from '../state/datastore-files';
import type { CustomizationJob } from '../state/store';

// The training file of an embedding model's customization: one `{query, pos_doc, neg_doc}`
// object per line (neg_doc a list of passages), as NeMo Customizer reads it for embedders.

const PairSchema = z
  .object({
    query: z.string().min(1),
    pos_doc: z.string().min(1),
    neg_doc: z.union([
      z
        .string()
        .min(1)
        .transform((n) => [n]),
      z.array(z.string().min(1)),
    ]),
  })
  .loose();

/** An embedding model's job: its base model is an embedder. */
export const isEmbeddingCustomization = (job: CustomizationJob): boolean => /embed/i.test(job.base_model);

export function loadEmbeddingPairs(
  ctx: EmulatorContext,
  job: CustomizationJob,
  file: string,
  numHardNegatives?: number,
): TrainingPair[] | string {
  const dataset = ctx.state.datasets.get(`${job.dataset.namespace}/${job.dataset.name}`);
  if (!dataset) return `dataset ${job.dataset.namespace}/${job.dataset.name} no longer exists`;
  const bytes = readDatastoreFile(ctx.state, dataset.files_url.replace(/\/$/, ''), file);
  if (!bytes) return `${file} not found in ${dataset.files_url}`;
  const pairs: TrainingPair[] = [];
  for (const [i, raw] of bytes.toString('utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return `${file} line ${i + 1}: not JSON`;
    }
    const parsed = PairSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `${file} line ${i + 1}: ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'} (an embedding model trains on {query, pos_doc, neg_doc})`;
    }
    const { query, pos_doc, neg_doc } = parsed.data;
    pairs.push({ query, pos_doc, neg_doc: numHardNegatives ? neg_doc.slice(0, numHardNegatives) : neg_doc });
  }
  if (pairs.length === 0) return `${file} holds no records`;
  return pairs;
}
