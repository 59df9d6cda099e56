import { z } from 'zod';

// The log shape of retrieval traffic: one record per call to the production retrieval stack,
// in the NIM APIs' own request/response shapes, with the same envelope as a chat log
// (timestamp, workload_id, client_id) and an `endpoint` naming the API:
//   /v1/embeddings  {model, input, input_type: query|passage, ...} → {data: [{index, embedding}], model, usage}
//   /v1/ranking     {model, query: {text}, passages: [{text}], ...} → {rankings: [{index, logit}]}
// The ranking responses are the production reranker's relevance judgements; they are what an
// embedding_job learns from. Unknown fields are kept.

export const RETRIEVAL_ENDPOINTS = ['/v1/embeddings', '/v1/ranking'] as const;
export type RetrievalEndpoint = (typeof RETRIEVAL_ENDPOINTS)[number];

const Text = z.string().refine((t) => t.trim().length > 0, 'must not be empty');

export const EmbeddingRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([Text, z.array(Text).min(1, 'must hold at least one text')]),
    input_type: z.enum(['query', 'passage']),
  })
  .loose();

export const EmbeddingResponseSchema = z
  .object({
    data: z
      .array(
        z
          .object({
            index: z.number().int().nonnegative(),
            embedding: z.union([z.array(z.number()).min(1), z.string()]),
          })
          .loose(),
      )
      .min(1, 'must hold at least one embedding'),
    model: z.string().optional(),
  })
  .loose();

export const RankingRequestSchema = z
  .object({
    model: z.string().min(1),
    query: z.object({ text: Text }).loose(),
    passages: z.array(z.object({ text: Text }).loose()).min(1, 'must hold at least one passage'),
  })
  .loose();

export const RankingResponseSchema = z
  .object({
    rankings: z
      .array(z.object({ index: z.number().int().nonnegative(), logit: z.number() }).loose())
      .min(1, 'must hold at least one ranking'),
  })
  .loose();

export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;
export type RankingRequest = z.infer<typeof RankingRequestSchema>;
export type RankingResponse = z.infer<typeof RankingResponseSchema>;

/** A record that says which NIM endpoint it logs is a retrieval record. */
export const isRetrievalLine = (value: Record<string, unknown>): boolean => 'endpoint' in value;

function firstIssue(where: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join('.');
  return `${path}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Why a retrieval record's contents cannot be used, or undefined when they can: the request
 * and response follow the endpoint's NIM shape, and they agree with each other (one embedding
 * per input; every ranking names a passage of the request, once).
 */
export function retrievalRecordProblem(record: Record<string, unknown>): string | undefined {
  const endpoint = record.endpoint;
  if (typeof endpoint !== 'string' || !(RETRIEVAL_ENDPOINTS as readonly string[]).includes(endpoint)) {
    return `endpoint: must be one of ${RETRIEVAL_ENDPOINTS.join(', ')}, not ${JSON.stringify(endpoint)?.slice(0, 60)}`;
  }
  if (endpoint === '/v1/embeddings') {
    const req = EmbeddingRequestSchema.safeParse(record.request);
    if (!req.success) return firstIssue('request', req.error);
    const res = EmbeddingResponseSchema.safeParse(record.response);
    if (!res.success) return firstIssue('response', res.error);
    const inputs = typeof req.data.input === 'string' ? 1 : req.data.input.length;
    if (res.data.data.length !== inputs) {
      return `response.data: holds ${res.data.data.length} embeddings for ${inputs} inputs`;
    }
    const bad = res.data.data.find((d) => d.index >= inputs);
    if (bad) return `response.data: index ${bad.index} is beyond the ${inputs} inputs`;
    return undefined;
  }
  const req = RankingRequestSchema.safeParse(record.request);
  if (!req.success) return firstIssue('request', req.error);
  const res = RankingResponseSchema.safeParse(record.response);
  if (!res.success) return firstIssue('response', res.error);
  const seen = new Set<number>();
  for (const [i, r] of res.data.rankings.entries()) {
    if (r.index >= req.data.passages.length) {
      return `response.rankings.${i}.index: ${r.index} is beyond the ${req.data.passages.length} passages of the request`;
    }
    if (seen.has(r.index)) return `response.rankings.${i}.index: passage ${r.index} is ranked twice`;
    seen.add(r.index);
  }
  return undefined;
}
