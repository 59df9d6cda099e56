import { z } from 'zod';
import { ACADEMIC_BENCHMARKS } from './academic-types';
import { RetrieverEvaluationJobBody } from './retriever-schema';
import { checkTemplate } from './template';

// The Evaluator job body: an inline custom config and a target, checked up front (templates
// and regular expressions included) so a bad job is a 422 rather than a failed job.

const ApiEndpoint = z
  .object({
    api_endpoint: z.object({ url: z.url(), model_id: z.string().min(1), api_key: z.string().nullish() }).loose(),
  })
  .loose();

export type ModelRef = string | z.infer<typeof ApiEndpoint>;

const ModelRefSchema = z.union([z.string().min(1), ApiEndpoint]);

const templateString = z.string().superRefine((text, ctx) => {
  try {
    checkTemplate(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const regex = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

const anyTemplate = z.unknown().superRefine((value, ctx) => {
  try {
    checkTemplate(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const MetricSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tool-calling'), params: z.object({ tool_calls_ground_truth: templateString }).loose() }),
  z.object({
    type: z.literal('llm-judge'),
    params: z
      .object({
        model: ModelRefSchema,
        template: z
          .object({ messages: z.array(z.object({ role: z.string(), content: templateString }).loose()).min(1) })
          .loose(),
        scores: z
          .record(
            z.string(),
            z.object({
              type: z.enum(['int', 'float']),
              parser: z.object({ type: z.literal('regex'), pattern: regex }),
            }),
          )
          .refine((s) => Object.keys(s).length > 0, 'needs at least one score'),
      })
      .loose(),
  }),
  // documented: token-overlap F1 between the answer and `ground_truth`
  z.object({ type: z.literal('f1'), params: z.strictObject({ ground_truth: templateString }) }),
  // documented: `check: [left, operation, right]`, both sides templates; score 1 or 0 per item
  z.object({
    type: z.literal('string-check'),
    params: z.strictObject({
      check: z.tuple([
        templateString,
        z.enum(['equals', '!=', 'contains', 'not contains', 'startswith', 'endswith']),
        templateString,
      ]),
    }),
  }),
]);

export type MetricConfig = z.infer<typeof MetricSchema>;

const TaskSchema = z
  .object({
    type: z.literal('chat-completion'),
    dataset: z
      .object({
        files_url: z.string().regex(/^hf:\/\/datasets\/[^/]+\/[^/]+\/.+/, 'must be hf://datasets/{ns}/{name}/{file}'),
        limit: z.number().int().min(1).nullish(),
      })
      .loose(),
    params: z
      .object({
        template: z
          .object({
            messages: z.union([templateString, z.array(anyTemplate).min(1)]),
            tools: anyTemplate.optional(),
            tool_choice: anyTemplate.optional(),
            max_tokens: z.union([z.number().int().min(1), z.string()]).optional(),
            temperature: z.union([z.number().min(0).max(2), z.string()]).optional(),
          })
          .loose(),
      })
      .loose(),
    metrics: z.record(z.string(), MetricSchema).refine((m) => Object.keys(m).length > 0, 'needs at least one metric'),
  })
  .loose();

export type TaskConfig = z.infer<typeof TaskSchema>;

const CustomConfigSchema = z
  .object({
    type: z.literal('custom'),
    tasks: z.record(z.string(), TaskSchema).refine((t) => Object.keys(t).length > 0, 'needs at least one task'),
  })
  .loose();

/**
 * An academic benchmark (the documented LM Evaluation Harness shape): `type` names the
 * benchmark, `tasks` optionally names its tasks by `type`, `params` are the documented
 * EvaluationParams. Only the benchmarks in ACADEMIC_BENCHMARKS are emulated; any other type is a 422.
 */
const BenchmarkConfigSchema = z
  .object({
    type: z.string().refine((t) => t in ACADEMIC_BENCHMARKS, {
      error: (issue) =>
        `evaluation type ${String(issue.input)} is not emulated (emulated: custom, ${Object.keys(ACADEMIC_BENCHMARKS).join(', ')})`,
    }),
    tasks: z
      .record(
        z.string(),
        z.object({ type: z.string().refine((t) => t in ACADEMIC_BENCHMARKS, 'not an emulated task') }).loose(),
      )
      .optional(),
    params: z
      .object({
        limit_samples: z.number().int().min(1).nullish(),
        max_tokens: z.number().int().min(1).nullish(),
        temperature: z.number().min(0).max(2).nullish(),
        top_p: z.number().min(0).max(1).nullish(),
        stop: z.union([z.string(), z.array(z.string())]).nullish(),
        parallelism: z.number().int().min(1).nullish(),
        extra: z.record(z.string(), z.unknown()).nullish(),
      })
      .loose()
      .optional(),
  })
  .loose();

export type BenchmarkConfig = z.infer<typeof BenchmarkConfigSchema>;

/** `custom` or a benchmark, chosen by `type`, so a 422 names the field inside the chosen shape. */
const ConfigSchema = z
  .object({ type: z.string() })
  .loose()
  .superRefine((value, ctx) => {
    const chosen = (value.type === 'custom' ? CustomConfigSchema : BenchmarkConfigSchema).safeParse(value);
    if (chosen.success) return;
    for (const issue of chosen.error.issues)
      ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
  }) as unknown as z.ZodType<z.infer<typeof CustomConfigSchema> | BenchmarkConfig>;

export const CustomEvaluationJobBody = z
  .object({
    namespace: z.string().min(1).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
    config: ConfigSchema,
    target: z.object({ type: z.literal('model'), model: ModelRefSchema }).loose(),
  })
  .loose();

export type EvaluationJobRequest = z.infer<typeof CustomEvaluationJobBody>;

/** Either an inline custom (chat-completion) job or a retriever job (evaluation/retriever-schema.ts). */
export const EvaluationJobBody = z.unknown().transform((body, ctx) => {
  const isRetriever = (body as { config?: { type?: unknown } } | null)?.config?.type === 'retriever';
  const parsed = isRetriever ? RetrieverEvaluationJobBody.safeParse(body) : CustomEvaluationJobBody.safeParse(body);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});
