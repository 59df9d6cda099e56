import { EMBEDDING_DIMENSIONS, embed } from './embeddings';
import { contentWords } from './text';

// A fine-tuned embedder, learnt only from its training file (query, pos_doc, neg_doc rows):
// for every query word, the passage words that come with its relevant passages and not with
// its negatives (a contrastive co-occurrence estimate). A query embedded by the tuned model
// also points at those words, so a new query in the users' wording reaches passages written in
// the documents' wording; passages are embedded as the base model does. What it learns, and
// therefore how much it helps on queries it never saw, depends on nothing but the data.

export interface TrainingPair {
  query: string;
  pos_doc: string;
  neg_doc: string[];
}

export interface TunedEmbedder {
  /** query word → passage words with their learnt weight. */
  associations: Map<string, [string, number][]>;
}

/** Associations weaker than this are noise (a word seen with one passage by chance). */
const MIN_WEIGHT = 0.25;
const MAX_PER_WORD = 8;

export function tuneEmbedder(rows: TrainingPair[], epochs: number): TunedEmbedder {
  const seen = new Map<string, number>();
  const scores = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const q = new Set(contentWords(row.query));
    const pos = new Set(contentWords(row.pos_doc));
    const negs = row.neg_doc.map((n) => new Set(contentWords(n)));
    for (const w of q) {
      seen.set(w, (seen.get(w) ?? 0) + 1);
      const into = scores.get(w) ?? new Map<string, number>();
      scores.set(w, into);
      for (const u of pos) if (!q.has(u)) into.set(u, (into.get(u) ?? 0) + 1);
      for (const neg of negs) {
        for (const u of neg) if (!q.has(u)) into.set(u, (into.get(u) ?? 0) - 1 / negs.length);
      }
    }
  }
  // More passes over the data fit it more closely, with diminishing returns.
  const strength = 1 - Math.exp(-0.9 * Math.max(1, epochs));
  const associations = new Map<string, [string, number][]>();
  for (const [w, into] of scores) {
    const n = seen.get(w) ?? 1;
    // a word seen with few queries gets a shrunk estimate (one query proves little)
    const shrink = n / (n + 2);
    const kept = [...into]
      .map(([u, s]): [string, number] => [u, (s / n) * shrink * strength])
      .filter(([, weight]) => weight >= MIN_WEIGHT)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, MAX_PER_WORD);
    if (kept.length > 0) associations.set(w, kept);
  }
  return { associations };
}

export function embedTuned(
  tuned: TunedEmbedder,
  text: string,
  inputType: 'query' | 'passage',
  dimensions = EMBEDDING_DIMENSIONS,
): number[] {
  if (inputType === 'passage') return embed(text, dimensions);
  const extra = new Map<string, number>();
  for (const w of contentWords(text)) {
    for (const [u, weight] of tuned.associations.get(w) ?? []) extra.set(u, (extra.get(u) ?? 0) + weight);
  }
  return embed(text, dimensions, extra);
}
