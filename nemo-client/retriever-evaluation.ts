import { z } from 'zod';

// The Evaluator's retriever evaluation (SDK: `EvaluationConfigParam` with type "retriever"
// and a BEIR task; `EvaluationTargetParam` with type "retriever" and a
// `RetrieverPipelineDataParam`): recall@k and nDCG@k of an embedding model on a BEIR dataset
// (corpus.jsonl, queries.jsonl, qrels/test.tsv) in the datastore.

const Endpoint = z.strictObject({
  url: z.url(),
  model_id: z.string().min(1),
  api_key: z.string().min(1).optional(),
  format: z.enum(['nim', 'openai']).optional(),
});

const ModelRef = z.union([z.string().min(1), z.strictObject({ api_endpoint: Endpoint })]);

export const RetrieverTargetSchema = z.strictObject({
  type: z.literal('retriever'),
  retriever: z.strictObject({
    pipeline: z.strictObject({
      query_embedding_model: ModelRef,
      index_embedding_model: ModelRef,
      reranker_model: ModelRef.optional(),
      top_k: z.number().int().positive().optional(),
    }),
  }),
});
export type RetrieverTarget = z.infer<typeof RetrieverTargetSchema>;

/** `recall_{k}` and `ndcg_cut_{k}`, the trec_eval measures the Evaluator names so. */
const RETRIEVER_METRIC = /^(recall|ndcg_cut|P|map_cut)_(5|10|20|100)$/;

export const RetrieverEvaluationConfigSchema = z.strictObject({
  type: z.literal('retriever'),
  tasks: z.record(
    z.string(),
    z.strictObject({
      type: z.literal('beir'),
      dataset: z.strictObject({ files_url: z.string().startsWith('hf://datasets/') }),
      metrics: z.record(z.string(), z.strictObject({ type: z.string().regex(RETRIEVER_METRIC) })),
    }),
  ),
});
export type RetrieverEvaluationConfig = z.infer<typeof RetrieverEvaluationConfigSchema>;

export const RETRIEVER_TASK = 'flywheel-retrieval';

export function buildRetrieverEvaluation(input: {
  /** `hf://datasets/{namespace}/{name}`: the BEIR dataset's repository. */
  filesUrl: string;
  metrics: readonly string[];
  /** The embedding model (a name the NIM proxy serves), for queries and index alike. */
  model: string;
  nimBaseUrl: string;
  topK: number;
}): { config: RetrieverEvaluationConfig; target: RetrieverTarget } {
  const embedder = {
    api_endpoint: {
      url: `${input.nimBaseUrl.replace(/\/+$/, '')}/v1/embeddings`,
      model_id: input.model,
      format: 'nim' as const,
    },
  };
  return {
    config: {
      type: 'retriever',
      tasks: {
        [RETRIEVER_TASK]: {
          type: 'beir',
          dataset: { files_url: input.filesUrl },
          metrics: Object.fromEntries(input.metrics.map((m) => [m, { type: m }])),
        },
      },
    },
    target: {
      type: 'retriever',
      retriever: { pipeline: { query_embedding_model: embedder, index_embedding_model: embedder, top_k: input.topK } },
    },
  };
}

/** Each metric's value from a retriever job's results: the score named like the metric (else its only one). */
export function retrieverScores(
  results: { tasks: Record<string, { metrics: Record<string, { scores: Record<string, { value: number }> }> }> },
  metrics: readonly string[],
): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const task of Object.values(results.tasks)) {
    for (const metric of metrics) {
      const found = task.metrics[metric]?.scores;
      if (!found) continue;
      const value =
        found[metric]?.value ?? (Object.keys(found).length === 1 ? Object.values(found)[0]?.value : undefined);
      if (typeof value === 'number') scores[metric] = value;
    }
  }
  return scores;
}
