import type { IclConfig } from '../config/schema';
import { injectIclExamples } from './icl-example-format';
import {
  fitToBudget,
  type IclCandidate,
  lastUserText,
  normalise,
  promptTokens,
  selectRelevantWithCoverage,
  selectUniform,
  topK,
} from './icl-selection';
import { contentText, type LogRecord } from './log-record';

/** Text embeddings, e.g. through the NIM proxy's OpenAI-compatible `/v1/embeddings`. */
export interface Embedder {
  embed(texts: string[], inputType: 'query' | 'passage'): Promise<number[][]>;
}

export class IclConfigError extends Error {
  override name = 'ConfigError';
}

export interface IclStats {
  strategy: IclConfig['example_selection'];
  poolSize: number;
  records: number;
  recordsWithoutExamples: number;
  /** Records that got fewer than `icl_config.min_examples` examples (the budget was too small). */
  recordsBelowMinExamples: number;
  examplesPerRecord: Summary;
  exampleTokensPerRecord: Summary;
  /** Tokens left for the answer per record after the prompt and the examples. */
  remainingTokensPerRecord: Summary;
}

export interface Summary {
  min: number;
  mean: number;
  max: number;
}

export function summarise(values: number[]): Summary {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  const sum = values.reduce((a, b) => a + b, 0);
  return { min: Math.min(...values), mean: Math.round((sum / values.length) * 100) / 100, max: Math.max(...values) };
}

export interface IclOptions {
  config: IclConfig;
  /** Needed for `semantic_similarity`. */
  embedder?: Embedder;
  /** The smallest candidate context length, when known; the budget never exceeds it. */
  contextLength?: number;
  /** Texts per embeddings request. */
  embedBatchSize?: number;
}

/**
 * The eval records with in-context examples from `pool` (training records) written into each
 * record's system message, plus token statistics. A record whose own prompt leaves no room
 * is kept unchanged.
 */
export async function buildIclRecords(
  targets: LogRecord[],
  pool: IclCandidate[],
  options: IclOptions,
): Promise<{ records: LogRecord[]; stats: IclStats }> {
  const { config } = options;
  const contextLimit = Math.min(config.max_context_length, options.contextLength ?? Number.POSITIVE_INFINITY);
  const perRecord = await chooseExamples(targets, pool, options);

  const examplesCount: number[] = [];
  const exampleTokens: number[] = [];
  const remaining: number[] = [];
  let withoutExamples = 0;
  let belowMin = 0;
  const records = targets.map((record, i) => {
    const prompt = promptTokens(record);
    const available = contextLimit - config.reserved_tokens - prompt;
    const fitted = available > 0 ? fitToBudget(perRecord[i] ?? [], available) : [];
    const used = fitted.reduce((a, e) => a + e.tokens, 0);
    examplesCount.push(fitted.length);
    exampleTokens.push(used);
    remaining.push(Math.max(0, available - used));
    if (fitted.length === 0) withoutExamples++;
    if (fitted.length < Math.min(config.min_examples, config.max_examples)) belowMin++;
    return fitted.length > 0 ? withExamples(record, fitted) : record;
  });

  return {
    records,
    stats: {
      strategy: config.example_selection,
      poolSize: pool.length,
      records: targets.length,
      recordsWithoutExamples: withoutExamples,
      recordsBelowMinExamples: belowMin,
      examplesPerRecord: summarise(examplesCount),
      exampleTokensPerRecord: summarise(exampleTokens),
      remainingTokensPerRecord: summarise(remaining),
    },
  };
}

async function chooseExamples(
  targets: LogRecord[],
  pool: IclCandidate[],
  options: IclOptions,
): Promise<IclCandidate[][]> {
  const { config } = options;
  if (config.max_examples === 0 || pool.length === 0) return targets.map(() => []);
  if (config.example_selection === 'uniform_distribution') {
    const shared = selectUniform(pool, config.max_examples);
    return targets.map(() => shared);
  }
  if (!options.embedder || !config.similarity_config) {
    throw new IclConfigError(
      'icl_config.example_selection semantic_similarity needs an embedder and similarity_config',
    );
  }
  const embedder = options.embedder;
  const batch = options.embedBatchSize ?? 32;
  const usable = pool.filter((c) => lastUserText(c.record).length > 0);
  const poolVectors = await embedAll(
    embedder,
    usable.map((c) => lastUserText(c.record)),
    'passage',
    batch,
  );
  const indexed = usable.map((candidate, i) => ({ candidate, vector: poolVectors[i] as Float32Array }));
  const queries = targets.map(lastUserText);
  const queryVectors = await embedAll(
    embedder,
    queries.filter((q) => q.length > 0),
    'query',
    batch,
  );
  let next = 0;
  const candidates = config.max_examples * 5;
  return queries.map((q) => {
    if (q.length === 0) return [];
    const ranked = topK(queryVectors[next++] as Float32Array, indexed, candidates);
    return selectRelevantWithCoverage(ranked, config.max_examples, config.similarity_config?.relevance_ratio ?? 0.7);
  });
}

async function embedAll(
  embedder: Embedder,
  texts: string[],
  inputType: 'query' | 'passage',
  batchSize: number,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const chunk = texts.slice(i, i + batchSize);
    const vectors = await embedder.embed(chunk, inputType);
    if (vectors.length !== chunk.length) {
      throw new Error(`embedder returned ${vectors.length} vectors for ${chunk.length} texts`);
    }
    out.push(...vectors.map(normalise));
  }
  return out;
}

/** The record with the examples injected into its (first) system message, or a new one. */
export function withExamples(record: LogRecord, examples: IclCandidate[]): LogRecord {
  const texts = examples.map((e) => e.text);
  const messages = [...record.request.messages];
  const at = messages.findIndex((m) => m.role === 'system');
  if (at >= 0) {
    const system = messages[at] as (typeof messages)[number];
    messages[at] = { ...system, content: injectIclExamples(contentText(system.content), texts) };
  } else {
    messages.unshift({ role: 'system', content: injectIclExamples(undefined, texts) });
  }
  return { ...record, request: { ...record.request, messages } };
}
