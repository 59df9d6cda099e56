import { z } from 'zod';

// A retriever evaluation job: config type "retriever" with BEIR tasks whose metrics are
// trec_eval measures (`recall_5`, `ndcg_cut_10`, ...), and a retriever target whose pipeline
// names the query and index embedding models (SDK `RetrieverPipelineDataParam`).

const Endpoint = z
  .object({
    api_endpoint: z
      .object({
        url: z.url(),
        model_id: z.string().min(1),
        api_key: z.string().nullish(),
        format: z.string().optional(),
      })
      .loose(),
  })
  .loose();
export const EmbedderRef = z.union([z.string().min(1), Endpoint]);
export type EmbedderRef = z.infer<typeof EmbedderRef>;

export const RETRIEVER_METRIC = /^(recall|ndcg_cut)_(\d+)$/;

export const RetrieverTaskSchema = z
  .object({
    type: z.literal('beir'),
    dataset: z
      .object({
        files_url: z
          .string()
          .regex(/^hf:\/\/datasets\/[^/]+\/[^/]+\/?$/, 'must be hf://datasets/{ns}/{name} (a BEIR dataset repository)'),
      })
      .loose(),
    metrics: z
      .record(
        z.string(),
        z.object({
          type: z.string().regex(RETRIEVER_METRIC, 'the emulator computes recall_{k} and ndcg_cut_{k}'),
        }),
      )
      .refine((m) => Object.keys(m).length > 0, 'needs at least one metric'),
  })
  .loose();
export type RetrieverTask = z.infer<typeof RetrieverTaskSchema>;

export const RetrieverEvaluationJobBody = z
  .object({
    namespace: z.string().min(1).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
    config: z
      .object({
        type: z.literal('retriever'),
        tasks: z
          .record(z.string(), RetrieverTaskSchema)
          .refine((t) => Object.keys(t).length > 0, 'needs at least one task'),
      })
      .loose(),
    target: z
      .object({
        type: z.literal('retriever'),
        retriever: z
          .object({
            pipeline: z
              .object({
                query_embedding_model: EmbedderRef,
                index_embedding_model: EmbedderRef,
                top_k: z.number().int().min(1).optional(),
              })
              .loose(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();
export type RetrieverEvaluationJobRequest = z.infer<typeof RetrieverEvaluationJobBody>;
