import { z } from '@hono/zod-openapi';
import { MODEL_VARIANTS } from '../../contracts';
import { orNull, Recommendation, ScoreInterval } from '../decision/schemas';

// GET /api/workloads/{workload_id}/history: every run of a workload with its candidates' scores
// (with intervals) and its recommendation, oldest first, so drift between runs shows.

export const HistoryCandidate = z
  .object({
    model: z.string(),
    variant: z.enum(MODEL_VARIANTS),
    eval_type: z.string(),
    scores: z.record(z.string(), ScoreInterval),
    passes_gate: z.boolean(),
  })
  .openapi('HistoryCandidate');

export const HistoryEntry = z
  .object({
    job_id: z.string(),
    client_id: z.string(),
    status: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    schedule_id: z.string().nullable(),
    gate: z.object({ metric: z.string(), threshold: z.number() }).nullable(),
    recommendation: orNull(Recommendation).openapi({ description: 'null: the run recorded no decision' }),
    candidates: z.array(HistoryCandidate),
  })
  .openapi('WorkloadHistoryEntry');

export const WorkloadHistoryResponse = z
  .object({ workload_id: z.string(), runs: z.array(HistoryEntry) })
  .openapi('WorkloadHistoryResponse');

export const WorkloadIdParam = z.object({
  workload_id: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'workload_id', in: 'path' }, example: 'customer_support' }),
});

export const HistoryQuery = z.object({
  client_id: z.string().min(1).optional().openapi({ description: 'Only this client' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: 'The newest this many runs (default 50)' }),
});

export type HistoryEntry = z.infer<typeof HistoryEntry>;
export type WorkloadHistoryResponse = z.infer<typeof WorkloadHistoryResponse>;
