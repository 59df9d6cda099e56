import { readFileSync } from 'node:fs';
import { RetrievalConfigSchema } from '../../config/retrieval-schema';
import { measure } from '../../nemo-emulator/evaluation/retriever-task';
import { embedTuned, type TrainingPair, tuneEmbedder } from '../../nemo-emulator/models/embedding-tuning';
import { embed } from '../../nemo-emulator/models/embeddings';
import { buildRetrievalDatasets, RETRIEVAL_FILES } from '../../pipeline/retrieval-dataset';

// Exercises: pipeline/retrieval-log.ts (read by the retrieval dataset build this file runs)

// The emulator's tuned embedder learns from its training pairs only: on the sample workload's
// held-out queries it ranks better than the base embedder, and trained on pairs that teach
// nothing (shuffled positives) it does not.

const records = readFileSync('samples/retrieval-support.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const config = RetrievalConfigSchema.parse({ eval_size: 40, random_seed: 42 });
const built = buildRetrievalDatasets({ records, config, seed: '42', workloadId: 'w', clientId: 'c' });
const lines = (text: string) => text.split('\n').filter(Boolean);
const corpus = lines(built.files.eval[RETRIEVAL_FILES.corpus] as string).map((l) => JSON.parse(l));
const queries = lines(built.files.eval[RETRIEVAL_FILES.queries] as string).map((l) => JSON.parse(l));
const qrels = new Map<string, Map<string, number>>();
for (const row of lines(built.files.eval[RETRIEVAL_FILES.qrels] as string).slice(1)) {
  const [q = '', d = '', s = ''] = row.split('\t');
  qrels.set(q, (qrels.get(q) ?? new Map()).set(d, Number(s)));
}
const train: TrainingPair[] = lines(built.files.train[RETRIEVAL_FILES.train] as string).map((l) => JSON.parse(l));

function score(embedQuery: (t: string) => number[]): number {
  const index = corpus.map((d: { _id: string; text: string }) => ({ id: d._id, v: embed(d.text) }));
  let total = 0;
  for (const q of queries) {
    const qv = embedQuery(q.text);
    const ranked = index
      .map((d) => ({ id: d.id, s: d.v.reduce((a, x, i) => a + x * (qv[i] ?? 0), 0) }))
      .sort((a, b) => b.s - a.s)
      .map((d) => d.id);
    total += measure('ndcg_cut_10', ranked, qrels.get(q._id) ?? new Map());
  }
  return total / queries.length;
}

test('the datasets hold held-out queries only in the eval set', () => {
  expect(queries).toHaveLength(40);
  const trained = new Set(train.map((r) => r.query));
  expect(queries.filter((q: { text: string }) => trained.has(q.text))).toEqual([]);
  expect(train.every((r) => r.neg_doc.length > 0 && r.neg_doc.length <= config.num_hard_negatives)).toBe(true);
});

test('fine-tuning on the training pairs improves nDCG@10 on held-out queries; shuffled pairs do not', () => {
  const base = score((t) => embed(t));
  const tuned = tuneEmbedder(train, 2);
  const customized = score((t) => embedTuned(tuned, t, 'query'));
  const docs = train.map((r) => r.pos_doc);
  const noise = tuneEmbedder(
    train.map((r, i) => ({ ...r, pos_doc: docs[(i * 7 + 3) % docs.length] as string })),
    2,
  );
  const shuffled = score((t) => embedTuned(noise, t, 'query'));
  console.log({ base, customized, shuffled });
  expect(customized).toBeGreaterThan(base + 0.15);
  expect(shuffled).toBeLessThan(base + 0.05);
});
