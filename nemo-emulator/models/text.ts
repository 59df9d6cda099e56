// Text features shared by the student models, the judge and the embedder: lower-cased terms
// without stop words (lightly stemmed), sparse bag-of-words vectors and their cosine.

const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been being am do does did ' +
    'i me my we our you your he she it its they them their this that these those what which who whom how ' +
    'can could would should will shall may might must please pls hi hello hey thanks thank there here ' +
    'have has had not no so than then too very just also about into up out over any some all'
  ).split(' '),
);

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Words without stop words, unstemmed (the embedder's features are whole words). */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w));
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Content terms of a text: what similarity is computed over. */
export function terms(text: string): string[] {
  return words(splitIdentifiers(text))
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
}

/** `getOrderStatus` and `get_order_status` read as "get order status". */
export function splitIdentifiers(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
}

export type SparseVector = Map<string, number>;

export function vectorOf(tokens: string[], weight: (term: string) => number = () => 1): SparseVector {
  const v: SparseVector = new Map();
  for (const t of tokens) v.set(t, (v.get(t) ?? 0) + weight(t));
  return v;
}

export function cosine(a: SparseVector, b: SparseVector): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, x] of a) {
    na += x * x;
    const y = b.get(t);
    if (y !== undefined) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Inverse document frequencies over a pool of documents, so rare words weigh more. */
export class TermWeights {
  private readonly df = new Map<string, number>();
  private readonly n: number;

  constructor(documents: string[][]) {
    this.n = documents.length;
    for (const doc of documents) for (const t of new Set(doc)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
  }

  weight = (term: string): number => Math.log((1 + this.n) / (1 + (this.df.get(term) ?? 0))) + 1;

  vector(tokens: string[]): SparseVector {
    return vectorOf(tokens, this.weight);
  }
}

/** Token overlap as a fraction of the smaller side (how much of one is in the other). */
export function overlap(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sb = new Set(b);
  const sa = new Set(a);
  let shared = 0;
  for (const t of sa) if (sb.has(t)) shared++;
  return shared / Math.min(sa.size, sb.size);
}
