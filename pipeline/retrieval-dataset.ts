import { createHash } from 'node:crypto';
import type { RetrievalConfig } from '../config/retrieval-schema';
import { runSlug, workloadSlug } from './dataset-names';
import { DatasetError } from './errors';
import {
  type EmbeddingRequest,
  isRetrievalLine,
  type RankingRequest,
  type RankingResponse,
  retrievalRecordProblem,
} from './retrieval-log';

// Retrieval logs → the datasets of an embedding_job. Pure: the activity exports and uploads.
//  - corpus: every passage the logs show (ranked passages, and passages sent to the embedder);
//  - judged queries: per distinct query, the passages the production reranker scored above
//    `positive_logit` (relevant) and at or below `negative_logit` (hard negatives, hardest first);
//  - a seeded split by query: held-out eval queries (a BEIR set: corpus, queries, qrels) and
//    training / validation queries (the Customizer's embedding format: query, pos_doc, neg_doc).

/** Files of the two datasets, where the Evaluator (BEIR layout) and the Customizer look. */
export const RETRIEVAL_FILES = {
  corpus: 'corpus.jsonl',
  queries: 'queries.jsonl',
  qrels: 'qrels/test.tsv',
  train: 'training/train_data.jsonl',
  val: 'validation/val_data.jsonl',
} as const;

export interface RetrievalDatasetNames {
  eval: string;
  train: string;
}

/** `flywheel-{reval|rtrain}-{workload}-{run}`, the same on every retry of a run. */
export function retrievalDatasetNames(workloadId: string, runId: string): RetrievalDatasetNames {
  const suffix = `${workloadSlug(workloadId)}-${runSlug(runId)}`;
  return { eval: `flywheel-reval-${suffix}`, train: `flywheel-rtrain-${suffix}` };
}

export interface TrainingRow {
  query: string;
  pos_doc: string;
  neg_doc: string[];
}

export interface RetrievalReport {
  records: { ranking: number; embedding: number; other: number; rejected: number };
  /** Document ids of records refused here (loaded by another tool, say), with why; the first 20. */
  rejected: { id: string | undefined; reason: string }[];
  passages: number;
  queries: { judged: number; without_positive: number };
  split: { eval: number; train: number; val: number };
  /** Fewer held-out queries than retrieval_config.eval_size (at most half the queries are held out). */
  eval_reduced: boolean;
  training_rows: number;
}

export interface RetrievalDatasets {
  files: { eval: Record<string, string>; train: Record<string, string> };
  report: RetrievalReport;
  /** Eval queries (the held-out ones), for tests and the report. */
  evalQueries: string[];
  trainQueries: string[];
}

interface Judged {
  text: string;
  logits: Map<string, number>;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');
const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

export function buildRetrievalDatasets(input: {
  records: Iterable<unknown>;
  config: RetrievalConfig;
  seed: string;
  workloadId: string;
  clientId: string;
  documentIdOf?: (record: unknown) => string | undefined;
}): RetrievalDatasets {
  const { config } = input;
  const corpus = new Map<string, string>(); // text -> id
  const passageId = (text: string) => {
    let id = corpus.get(text);
    if (!id) {
      id = `p${digest('passage', text).slice(0, 12)}`;
      corpus.set(text, id);
    }
    return id;
  };
  const judged = new Map<string, Judged>();
  const report: RetrievalReport = {
    records: { ranking: 0, embedding: 0, other: 0, rejected: 0 },
    rejected: [],
    passages: 0,
    queries: { judged: 0, without_positive: 0 },
    split: { eval: 0, train: 0, val: 0 },
    eval_reduced: false,
    training_rows: 0,
  };

  for (const raw of input.records) {
    const record = raw as Record<string, unknown>;
    if (!record || typeof record !== 'object' || !isRetrievalLine(record)) {
      report.records.other++;
      continue;
    }
    const problem = retrievalRecordProblem(record);
    if (problem) {
      report.records.rejected++;
      if (report.rejected.length < 20) report.rejected.push({ id: input.documentIdOf?.(raw), reason: problem });
      continue;
    }
    if (record.endpoint === '/v1/embeddings') {
      report.records.embedding++;
      const req = record.request as EmbeddingRequest;
      if (req.input_type === 'passage') for (const t of [req.input].flat()) passageId(t);
      continue;
    }
    report.records.ranking++;
    const req = record.request as RankingRequest;
    const res = record.response as RankingResponse;
    const query = req.query.text.trim();
    const entry = judged.get(query) ?? { text: query, logits: new Map() };
    judged.set(query, entry);
    for (const r of res.rankings) {
      const id = passageId((req.passages[r.index] as { text: string }).text);
      // judged more than once (the same query again): the strongest judgement stands
      entry.logits.set(id, Math.max(entry.logits.get(id) ?? Number.NEGATIVE_INFINITY, r.logit));
    }
  }
  report.passages = corpus.size;
  const textOf = new Map([...corpus].map(([text, id]) => [id, text]));

  const usable = [...judged.values()].filter((q) => {
    const ok = [...q.logits.values()].some((l) => l > config.positive_logit);
    if (!ok) report.queries.without_positive++;
    return ok;
  });
  report.queries.judged = usable.length;
  const context = { workloadId: input.workloadId, clientId: input.clientId, report };
  if (usable.length < config.min_queries) {
    throw new DatasetError(
      `only ${usable.length} distinct queries have a passage the production reranker judged relevant (logit above ${config.positive_logit}); retrieval_config.min_queries is ${config.min_queries}: load more /v1/ranking logs or lower min_queries`,
      context,
    );
  }

  // Seeded order by query, so the same logs and seed always give the same split.
  const ordered = usable.sort((a, b) => digest(input.seed, a.text).localeCompare(digest(input.seed, b.text)));
  const evalCount = Math.min(config.eval_size, Math.floor(ordered.length / 2));
  report.eval_reduced = evalCount < config.eval_size;
  const evalSet = ordered.slice(0, evalCount);
  const rest = ordered.slice(evalCount);
  const valCount = Math.min(Math.round(rest.length * config.val_ratio), rest.length - 1);
  const valSet = rest.slice(0, valCount);
  const trainSet = rest.slice(valCount);
  report.split = { eval: evalSet.length, train: trainSet.length, val: valSet.length };

  const queryId = (q: Judged) => `q${digest('query', q.text).slice(0, 12)}`;
  const positives = (q: Judged) =>
    [...q.logits].filter(([, l]) => l > config.positive_logit).sort((a, b) => b[1] - a[1]);
  const allIds = [...corpus.values()].sort();
  const rows = (set: Judged[]): TrainingRow[] =>
    set.flatMap((q) => {
      const pos = new Set(positives(q).map(([id]) => id));
      let negs = [...q.logits]
        .filter(([, l]) => l <= config.negative_logit)
        .sort((a, b) => b[1] - a[1])
        .map(([id]) => id);
      if (negs.length === 0) {
        // no judged negative: passages the reranker never saw for this query, in seeded order
        negs = allIds
          .filter((id) => !pos.has(id))
          .sort((a, b) => digest(input.seed, q.text, a).localeCompare(digest(input.seed, q.text, b)));
      }
      const neg_doc = negs.slice(0, config.num_hard_negatives).map((id) => textOf.get(id) as string);
      return [...pos].map((id) => ({ query: q.text, pos_doc: textOf.get(id) as string, neg_doc }));
    });
  const train = rows(trainSet);
  const val = rows(valSet);
  report.training_rows = train.length;

  return {
    files: {
      eval: {
        [RETRIEVAL_FILES.corpus]: jsonl(
          [...corpus].map(([text, id]) => ({ _id: id, text })).sort((a, b) => a._id.localeCompare(b._id)),
        ),
        [RETRIEVAL_FILES.queries]: jsonl(evalSet.map((q) => ({ _id: queryId(q), text: q.text }))),
        [RETRIEVAL_FILES.qrels]: `query-id\tcorpus-id\tscore\n${evalSet
          .flatMap((q) => positives(q).map(([id]) => `${queryId(q)}\t${id}\t1\n`))
          .join('')}`,
      },
      train: { [RETRIEVAL_FILES.train]: jsonl(train), [RETRIEVAL_FILES.val]: jsonl(val) },
    },
    report,
    evalQueries: evalSet.map((q) => q.text),
    trainQueries: trainSet.map((q) => q.text),
  };
}
