import { z } from 'zod';

// Configuration of an embedding_job: how retrieval logs become datasets, how the candidate
// embedding models are fine-tuned (the SDK's Customizer hyperparameters for embedding models)
// and how the Evaluator's retriever evaluation scores them.

/** The retriever metrics every evaluation asks for (the Evaluator's `recall_{k}` / `ndcg_cut_{k}`). */
export const RETRIEVAL_METRICS = ['recall_5', 'ndcg_cut_5', 'recall_10', 'ndcg_cut_10'] as const;
export type RetrievalMetric = (typeof RETRIEVAL_METRICS)[number];

export const RetrievalConfigSchema = z
  .strictObject({
    /** Held-out queries scored by the retriever evaluation (never trained on). */
    eval_size: z.number().int().positive().default(40),
    /** Share of the remaining queries kept for the Customizer's validation file. */
    val_ratio: z.number().min(0).lt(1).default(0.1),
    /** Fewer distinct judged queries than this and the run fails, saying so. */
    min_queries: z.number().int().positive().default(20),
    /** A passage the production reranker scored above this logit is relevant to its query. */
    positive_logit: z.number().default(0),
    /** A passage scored at or below this logit is a (hard) negative; in between is left out. */
    negative_logit: z.number().default(0),
    /** At most this many negatives per training query (the Customizer's `num_hard_negatives`). */
    num_hard_negatives: z.number().int().positive().default(4),
    /** Passages the retriever pipeline returns per query. */
    top_k: z.number().int().positive().default(10),
    /** Seed of the query split; null: the job id. */
    random_seed: z.number().int().nullable().default(null),
    /** Retrieval log records read per run, at most. */
    limit: z.number().int().positive().default(10000),
  })
  .refine((c) => c.negative_logit <= c.positive_logit, {
    message: 'must not exceed positive_logit',
    path: ['negative_logit'],
  });

export const EmbeddingTrainingConfigSchema = z.strictObject({
  training_type: z.literal('sft').default('sft'),
  /** NeMo Customizer tunes embedding models with merged LoRA weights or all weights. */
  finetuning_type: z.enum(['lora_merged', 'all_weights']).default('lora_merged'),
  epochs: z.number().int().positive().default(2),
  batch_size: z.number().int().positive().default(32),
  learning_rate: z.number().positive().default(0.00005),
  lora: z
    .strictObject({
      adapter_dim: z.number().int().positive().default(16),
      adapter_dropout: z.number().min(0).lt(1).default(0.1),
    })
    .prefault({}),
});

export type RetrievalConfig = z.infer<typeof RetrievalConfigSchema>;
export type EmbeddingTrainingConfig = z.infer<typeof EmbeddingTrainingConfigSchema>;
