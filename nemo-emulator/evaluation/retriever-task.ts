import type { EmulatorContext } from '../context';
import { HttpError } from '../http/errors';
import { readDatastoreFile } from '../state/datastore-files';
import { type EmbedderRef, RETRIEVER_METRIC, type RetrieverTask } from './retriever-schema';
import { TargetError } from './targets';

// One BEIR task of a retriever evaluation: embed the corpus with the index model and each
// query with the query model, rank the corpus by cosine, keep the pipeline's top_k, and score
// every query by trec_eval's recall@k and nDCG@k (ndcg_cut) against the qrels.

export interface BeirSet {
  corpus: { id: string; text: string }[];
  queries: { id: string; text: string }[];
  qrels: Map<string, Map<string, number>>;
}

const BATCH = 64;

export function readBeir(ctx: EmulatorContext, name: string, filesUrl: string): BeirSet {
  const base = filesUrl.replace(/\/+$/, '');
  const file = (path: string) => {
    const bytes = readDatastoreFile(ctx.state, base, path);
    if (!bytes) throw new Error(`task ${name}: ${path} not found in ${base}`);
    return bytes.toString('utf8');
  };
  const rows = (path: string) =>
    file(path)
      .split('\n')
      .map((l, i) => [l.trim(), i + 1] as const)
      .filter(([l]) => l.length > 0)
      .map(([l, n]) => {
        try {
          const row = JSON.parse(l) as { _id?: unknown; text?: unknown; title?: unknown };
          if (typeof row._id !== 'string' || typeof row.text !== 'string') throw new Error('needs _id and text');
          const title = typeof row.title === 'string' && row.title ? `${row.title}\n` : '';
          return { id: row._id, text: `${title}${row.text}` };
        } catch (err) {
          throw new Error(`task ${name}: ${path} line ${n}: ${(err as Error).message}`);
        }
      });
  const corpus = rows('corpus.jsonl');
  const queries = rows('queries.jsonl');
  const qrels = new Map<string, Map<string, number>>();
  for (const [i, line] of file('qrels/test.tsv').split('\n').entries()) {
    const cells = line.trim().split('\t');
    if (cells.length < 3 || (i === 0 && cells[0] === 'query-id')) continue;
    const [q = '', d = '', score = ''] = cells;
    const into = qrels.get(q) ?? new Map<string, number>();
    into.set(d, Number(score));
    qrels.set(q, into);
  }
  if (corpus.length === 0 || queries.length === 0) throw new Error(`task ${name}: the corpus or the queries are empty`);
  return { corpus, queries, qrels };
}

export async function embedTexts(
  ctx: EmulatorContext,
  ref: EmbedderRef,
  texts: string[],
  inputType: 'query' | 'passage',
  signal: AbortSignal,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const batch = texts.slice(i, i + BATCH);
    if (typeof ref === 'string') {
      try {
        out.push(...ctx.nim.embed(ref, batch, inputType));
      } catch (err) {
        if (err instanceof HttpError) throw new TargetError(`model ${ref}: ${err.message}`);
        throw err;
      }
      continue;
    }
    const { url, model_id, api_key } = ref.api_endpoint;
    const endpoint = embeddingsUrl(url);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(api_key ? { authorization: `Bearer ${api_key}` } : {}) },
      body: JSON.stringify({ model: model_id, input: batch, input_type: inputType }),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new TargetError(`${endpoint} answered ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { data?: { index: number; embedding: number[] }[] };
    const data = [...(body.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== batch.length)
      throw new TargetError(`${endpoint} returned ${data.length} of ${batch.length} embeddings`);
    out.push(...data.map((d) => d.embedding));
  }
  return out;
}

function embeddingsUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  if (trimmed.endsWith('/embeddings')) return trimmed;
  return new URL(trimmed).pathname.replace(/\/+$/, '') === '' ? `${trimmed}/v1/embeddings` : `${trimmed}/embeddings`;
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a)) || 1;

/** trec_eval's measure for one query: recall_k or ndcg_cut_k over the ranked ids. */
export function measure(metric: string, ranked: string[], relevant: Map<string, number>): number {
  const match = RETRIEVER_METRIC.exec(metric);
  if (!match) throw new Error(`unknown metric ${metric}`);
  const k = Number(match[2]);
  const top = ranked.slice(0, k);
  const rel = [...relevant].filter(([, g]) => g > 0);
  if (rel.length === 0) return 0;
  if (match[1] === 'recall') return top.filter((id) => (relevant.get(id) ?? 0) > 0).length / rel.length;
  const dcg = top.reduce((s, id, i) => s + (relevant.get(id) ?? 0) / Math.log2(i + 2), 0);
  const ideal = rel
    .map(([, g]) => g)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

export interface RankedQuery {
  index: number;
  queryId: string;
  query: string;
  retrieved: string[];
  metrics: Record<string, Record<string, number>>;
}

export async function runRetrieverTask(
  ctx: EmulatorContext,
  name: string,
  task: RetrieverTask,
  pipeline: { query_embedding_model: EmbedderRef; index_embedding_model: EmbedderRef; top_k?: number | undefined },
  signal: AbortSignal,
  onQuery: (ranked: RankedQuery, total: number) => Promise<void>,
) {
  const beir = readBeir(ctx, name, task.dataset.files_url);
  const judged = beir.queries.filter((q) => beir.qrels.has(q.id));
  const index = await embedTexts(
    ctx,
    pipeline.index_embedding_model,
    beir.corpus.map((d) => d.text),
    'passage',
    signal,
  );
  const queryVectors = await embedTexts(
    ctx,
    pipeline.query_embedding_model,
    judged.map((q) => q.text),
    'query',
    signal,
  );
  const topK = pipeline.top_k ?? 100;
  const metricNames = Object.values(task.metrics).map((m) => m.type);
  const sums = new Map<string, number>(metricNames.map((m) => [m, 0]));
  for (const [i, q] of judged.entries()) {
    const qv = queryVectors[i] as number[];
    const qn = norm(qv);
    const retrieved = beir.corpus
      .map((d, j) => ({ id: d.id, score: dot(qv, index[j] as number[]) / (qn * norm(index[j] as number[])) }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, topK)
      .map((r) => r.id);
    const relevant = beir.qrels.get(q.id) as Map<string, number>;
    const metrics: Record<string, Record<string, number>> = {};
    for (const [key, m] of Object.entries(task.metrics)) {
      const value = measure(m.type, retrieved, relevant);
      metrics[key] = { [key]: value };
      sums.set(m.type, (sums.get(m.type) ?? 0) + value);
    }
    await onQuery(
      { index: i, queryId: q.id, query: q.text, retrieved: retrieved.slice(0, 10), metrics },
      judged.length,
    );
  }
  const n = Math.max(judged.length, 1);
  return {
    metrics: Object.fromEntries(
      Object.entries(task.metrics).map(([key, m]) => [
        key,
        { scores: { [key]: { value: (sums.get(m.type) ?? 0) / n, stats: { count: judged.length } } } },
      ]),
    ),
  };
}
