import { formatIclExample, type IclExample } from './icl-example-format';
import { contentText, type LogRecord, responseMessage, userTurns } from './log-record';
import { budgetTokens } from './tokens';

// Choosing in-context examples from the training pool. Pure: vectors come in as arguments.

export interface IclCandidate {
  record: LogRecord;
  /** The stratification class (tool names or label). */
  cls: string;
  /** The example as written into the system message. */
  text: string;
  /** Its token count with the safety margin. */
  tokens: number;
}

export function toIclExample(record: LogRecord): IclExample {
  const answer = responseMessage(record);
  return {
    user: userTurns(record).filter((t) => t.trim().length > 0),
    answer: contentText(answer.content),
    toolCalls: (answer.tool_calls ?? []).map((c) => ({
      name: c.function.name,
      arguments: parseObject(c.function.arguments),
    })),
  };
}

function parseObject(args: unknown): Record<string, unknown> {
  if (args && typeof args === 'object' && !Array.isArray(args)) return args as Record<string, unknown>;
  if (typeof args === 'string') {
    try {
      const parsed = JSON.parse(args);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
    } catch {
      // kept as an empty object: the example still shows which tool was called
    }
  }
  return {};
}

/** Tokens are counted on first use: only the examples that reach the budget check need them. */
export function makeCandidate(record: LogRecord, cls: string): IclCandidate {
  const text = formatIclExample(toIclExample(record));
  let tokens: number | undefined;
  return {
    record,
    cls,
    text,
    get tokens() {
      tokens ??= budgetTokens(text);
      return tokens;
    },
  };
}

/** `total` slots spread evenly over `buckets`, the earlier buckets taking the remainder. */
export function uniformBins(total: number, buckets: number): number[] {
  if (buckets <= 0) return [];
  const base = Math.floor(total / buckets);
  return Array.from({ length: buckets }, (_, i) => base + (i < total % buckets ? 1 : 0));
}

function groupByClass(candidates: IclCandidate[]): Map<string, IclCandidate[]> {
  const groups = new Map<string, IclCandidate[]>();
  for (const c of candidates) {
    const group = groups.get(c.cls);
    if (group) group.push(c);
    else groups.set(c.cls, [c]);
  }
  return groups;
}

/** Takes one from each group in turn, so a budget cut keeps the classes balanced. */
function roundRobin(groups: IclCandidate[][]): IclCandidate[] {
  const out: IclCandidate[] = [];
  const longest = Math.max(0, ...groups.map((g) => g.length));
  for (let i = 0; i < longest; i++) for (const g of groups) if (g[i]) out.push(g[i] as IclCandidate);
  return out;
}

// Shortest first by length in characters: a stable order that needs no tokenizer pass over
// the whole pool (the budget itself is checked with real token counts).
const byLength = (a: IclCandidate, b: IclCandidate) =>
  a.text.length - b.text.length || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

/**
 * Uniform selection: `maxExamples` slots spread evenly across classes (the most frequent
 * classes first), the shortest examples of each class. Deterministic, the same examples for
 * every eval record. A single-class pool simply yields its shortest examples.
 */
export function selectUniform(pool: IclCandidate[], maxExamples: number): IclCandidate[] {
  const groups = [...groupByClass(pool).entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const bins = uniformBins(maxExamples, groups.length);
  return roundRobin(groups.map(([, members], i) => [...members].sort(byLength).slice(0, bins[i])));
}

export interface ScoredCandidate {
  candidate: IclCandidate;
  score: number;
}

/**
 * Similarity selection: the most similar `floor(maxExamples × relevanceRatio)` candidates,
 * then the best candidate of each class not yet represented (coverage), then the best unused
 * ones until `maxExamples`. `ranked` is in descending score order.
 */
export function selectRelevantWithCoverage(
  ranked: ScoredCandidate[],
  maxExamples: number,
  relevanceRatio: number,
): IclCandidate[] {
  const relevance = Math.floor(maxExamples * relevanceRatio);
  const chosen = ranked.slice(0, relevance);
  const used = new Set(chosen);
  const covered = new Set(chosen.map((s) => s.candidate.cls));
  for (const s of ranked) {
    if (chosen.length >= maxExamples) break;
    if (used.has(s) || covered.has(s.candidate.cls)) continue;
    chosen.push(s);
    used.add(s);
    covered.add(s.candidate.cls);
  }
  for (const s of ranked) {
    if (chosen.length >= maxExamples) break;
    if (!used.has(s)) {
      chosen.push(s);
      used.add(s);
    }
  }
  return chosen.map((s) => s.candidate);
}

/** Vectors scaled to unit length, so cosine similarity is a dot product. */
export function normalise(vector: number[]): Float32Array {
  const norm = Math.sqrt(vector.reduce((a, x) => a + x * x, 0)) || 1;
  return Float32Array.from(vector, (x) => x / norm);
}

/** The `k` pool entries most similar to `query` (both unit vectors), best first. */
export function topK(query: Float32Array, pool: { candidate: IclCandidate; vector: Float32Array }[], k: number) {
  const scored: ScoredCandidate[] = pool.map(({ candidate, vector }) => {
    let dot = 0;
    for (let i = 0; i < query.length; i++) dot += (query[i] as number) * (vector[i] as number);
    return { candidate, score: dot };
  });
  scored.sort((a, b) => b.score - a.score || byLength(a.candidate, b.candidate));
  return scored.slice(0, k);
}

/** Keeps examples in order while they fit `available` tokens; one that does not fit is skipped. */
export function fitToBudget(examples: IclCandidate[], available: number): IclCandidate[] {
  const fitted: IclCandidate[] = [];
  let used = 0;
  for (const e of examples) {
    if (used + e.tokens <= available) {
      fitted.push(e);
      used += e.tokens;
    }
  }
  return fitted;
}

/** The tokens a record's prompt takes (messages and tools, what the model is sent). */
export function promptTokens(record: LogRecord): number {
  return budgetTokens(JSON.stringify({ messages: record.request.messages, tools: record.request.tools ?? undefined }));
}

/** The last user turn: what similarity search embeds. */
export function lastUserText(record: LogRecord): string {
  const turns = userTurns(record).filter((t) => t.trim().length > 0);
  return turns[turns.length - 1] ?? '';
}
