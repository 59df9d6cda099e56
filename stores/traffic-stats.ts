import type { Client } from '@elastic/elasticsearch';
import type { Traffic } from '../decision/cost';
import { countTokens } from '../pipeline/tokens';

// A workload's real traffic from its production logs: requests per day over a recent window,
// and prompt / completion tokens per request counted with the tokenizer on the newest logged
// requests and responses. It prices the production model and each candidate.

export interface WorkloadTraffic extends Traffic {
  total_requests: number;
  requests_in_window: number;
  /** Days the per-day rate is averaged over (at least one). */
  window_days: number;
  /** Logged requests whose tokens were counted. */
  sampled: number;
  first_seen: string | null;
  last_seen: string | null;
  /** The model most sampled requests name, if any: the production model. */
  logged_model: string | null;
}

const DAY_MS = 86_400_000;

export async function workloadTraffic(
  es: Client,
  index: string,
  q: { workloadId: string; clientId: string; windowDays: number; sampleSize: number },
): Promise<WorkloadTraffic> {
  const filter = [{ term: { client_id: q.clientId } }, { term: { workload_id: q.workloadId } }];
  const span = await es.search(
    {
      index,
      size: 0,
      track_total_hits: true,
      query: { bool: { filter } },
      aggs: { first: { min: { field: 'timestamp' } }, last: { max: { field: 'timestamp' } } },
    },
    { ignore: [404] },
  );
  const aggs = span.aggregations as { first?: { value: number | null }; last?: { value: number | null } } | undefined;
  const total = typeof span.hits?.total === 'number' ? span.hits.total : (span.hits?.total?.value ?? 0);
  const first = aggs?.first?.value ?? null;
  const last = aggs?.last?.value ?? null;
  if (total === 0 || first === null || last === null) {
    return empty();
  }
  const windowStart = Math.max(first, last - q.windowDays * DAY_MS);
  const windowDays = Math.max(1, (last - windowStart) / DAY_MS);
  const inWindow = await es.count({
    index,
    query: {
      bool: { filter: [...filter, { range: { timestamp: { gte: windowStart, lte: last, format: 'epoch_millis' } } }] },
    },
  });

  const sample = await es.search<{ request?: unknown; response?: unknown }>({
    index,
    size: q.sampleSize,
    query: { bool: { filter } },
    sort: [{ timestamp: { order: 'desc' } }],
    _source: ['request', 'response'],
  });
  let input = 0;
  let output = 0;
  const models = new Map<string, number>();
  const hits = sample.hits.hits;
  for (const hit of hits) {
    const counted = tokensOf(hit._source ?? {});
    input += counted.input;
    output += counted.output;
    if (counted.model) models.set(counted.model, (models.get(counted.model) ?? 0) + 1);
  }
  const n = Math.max(1, hits.length);
  return {
    requests_per_day: inWindow.count / windowDays,
    input_tokens_per_request: input / n,
    output_tokens_per_request: output / n,
    total_requests: total,
    requests_in_window: inWindow.count,
    window_days: windowDays,
    sampled: hits.length,
    first_seen: new Date(first).toISOString(),
    last_seen: new Date(last).toISOString(),
    logged_model: [...models.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null,
  };
}

function empty(): WorkloadTraffic {
  return {
    requests_per_day: 0,
    input_tokens_per_request: 0,
    output_tokens_per_request: 0,
    total_requests: 0,
    requests_in_window: 0,
    window_days: 1,
    sampled: 0,
    first_seen: null,
    last_seen: null,
    logged_model: null,
  };
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** What a retrieval call (pipeline/retrieval-log.ts) reads: its inputs, or its query and passages. */
function retrievalText(req: { input?: unknown; query?: unknown; passages?: unknown }): string {
  const inputs = [req.input].flat().filter((t): t is string => typeof t === 'string');
  const query = (req.query as { text?: unknown } | undefined)?.text;
  const passages = Array.isArray(req.passages) ? req.passages.map((p) => (p as { text?: unknown })?.text) : [];
  return [...inputs, query, ...passages].filter((t): t is string => typeof t === 'string').join('\n');
}

/**
 * Prompt tokens: every message's content (and tool calls) plus the tool definitions, which the
 * model reads with every request; completion tokens: the first choice's content and tool calls.
 */
export function tokensOf(record: { request?: unknown; response?: unknown }): {
  input: number;
  output: number;
  model: string | null;
} {
  const req = (record.request ?? {}) as {
    model?: unknown;
    messages?: unknown;
    tools?: unknown;
    input?: unknown;
    query?: unknown;
    passages?: unknown;
  };
  const res = (record.response ?? {}) as {
    model?: unknown;
    choices?: { message?: { content?: unknown; tool_calls?: unknown } }[];
  };
  const messages = Array.isArray(req.messages) ? (req.messages as { content?: unknown; tool_calls?: unknown }[]) : [];
  const prompt =
    messages.map((m) => text(m?.content) + text(m?.tool_calls)).join('\n') + text(req.tools) + retrievalText(req);
  const message = Array.isArray(res.choices) ? res.choices[0]?.message : undefined;
  const completion = text(message?.content) + text(message?.tool_calls);
  const model = typeof req.model === 'string' ? req.model : typeof res.model === 'string' ? res.model : null;
  return { input: countTokens(prompt), output: countTokens(completion), model };
}
