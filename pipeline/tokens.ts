import { countTokens as countCl100k } from 'gpt-tokenizer/cjs/encoding/cl100k_base';

// Token counts with the cl100k_base BPE (the encoding upstream's estimate uses). The encoding
// ships inside the package, so nothing is downloaded at run time. Candidate models use their
// own tokenizers, hence the safety margin on top of the exact cl100k count.

/** Extra share added to every count, as upstream does, for tokenizer differences. */
export const TOKEN_MARGIN = 0.2;

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countCl100k(text);
}

/** The count with the safety margin: what the ICL budget is checked against. */
export function budgetTokens(text: string): number {
  const exact = countTokens(text);
  return exact + Math.floor(exact * TOKEN_MARGIN);
}
