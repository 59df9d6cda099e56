import { asObject } from './exemplars';
import { labelsIn } from './prompt';
import { cosine, overlap, terms, vectorOf } from './text';

// The emulated judge (`meta/llama-3.3-70b-instruct`). It rates the text inside
// <candidate>…</candidate> against <reference>…</reference> and answers "RATING: n":
// - on a 1–10 scale when the prompt asks for one ("1 to 10", "1-10"), or speaks of similarity
//   without asking for 0/1 ("0 or 1", "RATING: 0"):
//   1 + 9 × the cosine between the two texts' content words (empty candidate → 1);
// - otherwise 0/1 correctness: tool calls must name the same functions with every reference
//   argument present (identifier-like values equal, longer text mostly the same words);
//   labelled answers ([[[x]]]) must carry the same label; plain text must be close in wording.

export const JUDGE_MODEL = 'meta/llama-3.3-70b-instruct';

export function judgeReply(prompt: string): string {
  const candidate = between(prompt, 'candidate');
  const reference = between(prompt, 'reference');
  if (candidate === undefined || reference === undefined) {
    return 'Hello. I rate a <candidate> answer against a <reference> answer; send both to get a RATING.';
  }
  const instructions = prompt.replace(/<(candidate|reference)>[\s\S]*?<\/\1>/g, ' ');
  if (asksForScale(instructions)) {
    const rating = similarityRating(candidate, reference);
    return `RATING: ${rating}\nThe candidate shares ${rating >= 7 ? 'most' : rating >= 4 ? 'some' : 'little'} of the reference's meaning.`;
  }
  const correct = isCorrect(candidate, reference);
  return `RATING: ${correct ? 1 : 0}\n${correct ? 'The candidate matches the reference.' : 'The candidate does not match the reference.'}`;
}

/** A 1–10 scale when the prompt names one; else 0/1 when it names that; else by "similar". */
function asksForScale(instructions: string): boolean {
  if (/\b1\s*(?:to|-|–|and)\s*10\b/i.test(instructions)) return true;
  if (/\b0\s*(?:or|\/)\s*1\b|RATING:\s*0\b/i.test(instructions)) return false;
  return /similar/i.test(instructions);
}

function between(text: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(text);
  return match ? (match[1] ?? '').trim() : undefined;
}

export function similarityRating(candidate: string, reference: string): number {
  if (!candidate.trim()) return 1;
  const sim = cosine(vectorOf(terms(candidate)), vectorOf(terms(reference)));
  return Math.max(1, Math.min(10, 1 + Math.round(9 * sim)));
}

export function isCorrect(candidate: string, reference: string): boolean {
  const refCalls = toolCallsIn(reference);
  if (refCalls) {
    const candCalls = toolCallsIn(candidate) ?? [];
    return (
      refCalls.length === candCalls.length &&
      refCalls.every((ref, i) => {
        const cand = candCalls[i];
        return cand !== undefined && cand.name === ref.name && argumentsMatch(cand.arguments, ref.arguments);
      })
    );
  }
  const refLabels = labelsIn(reference);
  if (refLabels.length > 0) return labelsIn(candidate)[0]?.toLowerCase() === refLabels[0]?.toLowerCase();
  return cosine(vectorOf(terms(candidate)), vectorOf(terms(reference))) >= 0.7;
}

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

/** Tool calls written as JSON (OpenAI `{function: {name, arguments}}` or plain `{name, arguments}`). */
function toolCallsIn(text: string): Call[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? [parsed] : undefined;
  if (!list) return undefined;
  const calls: Call[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') return undefined;
    const fn = ('function' in item ? item.function : item) as { name?: unknown; arguments?: unknown };
    if (!fn || typeof fn.name !== 'string') return undefined;
    calls.push({ name: fn.name, arguments: asObject(fn.arguments) });
  }
  return calls;
}

function argumentsMatch(candidate: Record<string, unknown>, reference: Record<string, unknown>): boolean {
  return Object.entries(reference).every(([key, want]) => {
    if (!(key in candidate)) return false;
    const got = candidate[key];
    if (typeof want === 'string' && typeof got === 'string') {
      const naturalLanguage = want.trim().split(/\s+/).length > 3;
      return naturalLanguage
        ? overlap(terms(got), terms(want)) >= 0.6
        : got.trim().toLowerCase() === want.trim().toLowerCase();
    }
    return JSON.stringify(got) === JSON.stringify(want) || String(got) === String(want);
  });
}
