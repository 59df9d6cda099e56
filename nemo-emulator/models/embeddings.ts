import { hash32 } from '../runtime/rng';
import { words } from './text';

// The emulated embedder: hashed words and character trigrams into a fixed-size vector (signed
// feature hashing), L2-normalised. Texts sharing words or word pieces point the same way, so
// semantic ICL example selection behaves like it does with a real embedding model.

export const EMBEDDING_MODEL = 'nvidia/llama-3.2-nv-embedqa-1b-v2';
export const EMBEDDING_DIMENSIONS = 384;

export function embed(
  text: string,
  dimensions = EMBEDDING_DIMENSIONS,
  extra: Iterable<[word: string, weight: number]> = [],
): number[] {
  const v = new Array<number>(dimensions).fill(0);
  const add = (feature: string, weight: number) => {
    const h = hash32('emb', feature);
    const slot = h % dimensions;
    v[slot] = (v[slot] ?? 0) + ((h >>> 31) & 1 ? -weight : weight);
  };
  for (const word of words(text)) {
    add(`w:${word}`, 1);
    const padded = `#${word}#`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.35);
  }
  for (const [word, weight] of extra) add(`w:${word}`, weight);
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  if (norm === 0) {
    v[0] = 1; // an empty text still gets a unit vector
    return v;
  }
  return v.map((x) => x / norm);
}

/** The OpenAI `encoding_format: "base64"` form: little-endian float32 bytes. */
export function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}
