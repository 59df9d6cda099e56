import type { Exemplar, ExemplarCall } from './exemplars';
import { labelsIn, type PromptView } from './prompt';
import { cosine, TermWeights, terms } from './text';
import { copyArguments } from './value-copy';
import { blandAnswer, type Roll, rollFor, zeroShotLabel, zeroShotToolCall } from './zero-shot';

// A student model: it imitates the solved examples it has (in its prompt, or learnt from its
// training file) by weighted nearest neighbours, and falls back to zero-shot guessing when it
// has none or fails to use them. More, closer and cleaner examples give better answers.

export interface StudentProfile {
  modelId: string;
  /** Zero-shot ability, from the parameter count in the model's name. */
  capability: number;
  /** How reliably the model follows its examples. */
  fidelity: number;
  /** What a customization taught it (empty for a base model). */
  trained: Exemplar[];
}

export interface Reply {
  content: string;
  toolCalls: ExemplarCall[];
}

/** Capability from the size in the name (1b, 3b, 8b, 70b): bigger models read prompts better. */
export function capabilityOf(modelId: string): number {
  const size = /(\d+(?:\.\d+)?)b\b/i.exec(modelId);
  if (!size) return 0.4;
  const billions = Number(size[1]);
  return Math.min(0.85, Math.max(0.2, 0.25 + 0.12 * Math.log2(Math.max(billions, 1))));
}

export function baseProfile(modelId: string): StudentProfile {
  const capability = capabilityOf(modelId);
  return { modelId, capability, fidelity: 0.55 + 0.4 * capability, trained: [] };
}

/**
 * A fine-tuned model follows what it learnt more reliably the more it saw: a LoRA trained on
 * a handful of records (or for one short epoch) mostly behaves like its base model.
 */
export function customizedProfile(modelId: string, baseModel: string, trained: Exemplar[], epochs = 1): StudentProfile {
  const capability = capabilityOf(baseModel);
  const learnt = 1 - Math.exp(-(trained.length * Math.min(epochs, 3)) / 80);
  return { modelId, capability, fidelity: Math.min(0.99, 0.5 + 0.15 * capability + 0.35 * learnt), trained };
}

export function answerPrompt(view: PromptView, profile: StudentProfile, seed: number): Reply {
  const roll = rollFor(seed, profile.modelId, view);
  const pool = view.examples.length === 0 ? profile.trained : [...profile.trained, ...view.examples];
  const imitates = pool.length > 0 && roll('imitate') < profile.fidelity;
  const k = profile.trained.length > 0 ? 5 : 3;

  if (view.tools.length > 0 && view.toolChoice !== 'none') {
    const imitated = imitates ? imitateToolCall(view, pool, k) : undefined;
    if (imitated) return imitated;
    const call = zeroShotToolCall(view, profile.capability, roll);
    return call ? { content: '', toolCalls: [call] } : { content: blandAnswer(view), toolCalls: [] };
  }
  if (labelsIn(view.system).length > 0 || pool.some((e) => labelsIn(e.answer).length > 0)) {
    const label = (imitates ? imitateLabel(view, pool, k) : undefined) ?? zeroShotAnswerLabel(view, profile, roll);
    return { content: label, toolCalls: [] };
  }
  const nearest = imitates ? rank(view.userText, pool).find((r) => r.exemplar.answer) : undefined;
  return { content: nearest ? nearest.exemplar.answer : blandAnswer(view), toolCalls: [] };
}

interface Ranked {
  exemplar: Exemplar;
  similarity: number;
}

interface PoolIndex {
  weights: TermWeights;
  vectors: ReturnType<TermWeights['vector']>[];
}

// A customized model's pool is the same array on every request: index it once.
const indexes = new WeakMap<Exemplar[], PoolIndex>();

function indexOf(pool: Exemplar[]): PoolIndex {
  let index = indexes.get(pool);
  if (!index) {
    const docs = pool.map((e) => terms(e.userText));
    const weights = new TermWeights(docs);
    index = { weights, vectors: docs.map((d) => weights.vector(d)) };
    indexes.set(pool, index);
  }
  return index;
}

/** The pool's examples, most similar to the query first. */
function rank(query: string, pool: Exemplar[]): Ranked[] {
  const { weights, vectors } = indexOf(pool);
  const q = weights.vector(terms(query));
  return pool
    .map((exemplar, i) => ({ exemplar, similarity: cosine(q, vectors[i] ?? new Map()) }))
    .sort((a, b) => b.similarity - a.similarity);
}

/** The answer key (tool names, or label) most supported by the k nearest examples. */
function vote(ranked: Ranked[], k: number, keyOf: (e: Exemplar) => string | undefined): string | undefined {
  const tally = new Map<string, number>();
  for (const { exemplar, similarity } of ranked.slice(0, k)) {
    const key = keyOf(exemplar);
    if (key === undefined) continue;
    tally.set(key, (tally.get(key) ?? 0) + similarity * similarity + 1e-6);
  }
  let best: string | undefined;
  let bestScore = -1;
  for (const [key, score] of tally) {
    if (score > bestScore) {
      best = key;
      bestScore = score;
    }
  }
  return best;
}

function imitateToolCall(view: PromptView, pool: Exemplar[], k: number): Reply | undefined {
  const known = new Set(view.tools.map((t) => t.name));
  const ranked = rank(view.userText, pool).filter((r) => r.exemplar.toolCalls.every((c) => known.has(c.name)));
  if (ranked.length === 0) return undefined;
  const callKey = (e: Exemplar) => e.toolCalls.map((c) => c.name).join(',');
  const winner = vote(ranked, k, callKey);
  const model = ranked.find((r) => callKey(r.exemplar) === winner)?.exemplar;
  if (!model) return undefined;
  if (model.toolCalls.length === 0) {
    return view.toolChoice === 'required' ? undefined : { content: model.answer, toolCalls: [] };
  }
  return {
    content: '',
    toolCalls: model.toolCalls.map((call) => ({
      name: call.name,
      arguments: copyArguments(call.arguments, model.contextText, view.contextText, view.userText),
    })),
  };
}

function imitateLabel(view: PromptView, pool: Exemplar[], k: number): string | undefined {
  const ranked = rank(view.userText, pool).filter((r) => labelsIn(r.exemplar.answer).length > 0);
  if (ranked.length === 0) return undefined;
  const label = vote(ranked, k, (e) => labelsIn(e.answer)[0]);
  const model = ranked.find((r) => labelsIn(r.exemplar.answer)[0] === label)?.exemplar;
  return model?.answer;
}

function zeroShotAnswerLabel(view: PromptView, profile: StudentProfile, roll: Roll): string {
  const label = zeroShotLabel(view, profile.capability, roll);
  return label ? `[[[${label}]]]` : blandAnswer(view);
}
