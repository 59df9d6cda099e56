import { asObject } from '../models/exemplars';

// Programmatic metrics over one evaluation task's items.

export interface ScoreSummary {
  value: number;
  stats: { count: number };
}

export function mean(values: number[]): ScoreSummary {
  const sum = values.reduce((a, b) => a + b, 0);
  return { value: values.length === 0 ? 0 : sum / values.length, stats: { count: values.length } };
}

interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

function calls(value: unknown): Call[] {
  if (typeof value === 'string') {
    try {
      return calls(JSON.parse(value));
    } catch {
      return [];
    }
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((c) => {
    const fn = c && typeof c === 'object' ? ('function' in c ? c.function : c) : undefined;
    return fn && typeof fn.name === 'string' ? [{ name: fn.name, arguments: asObject(fn.arguments) }] : [];
  });
}

/**
 * Tool-calling accuracy of one item: the same function names in the same order, and for the
 * second score also equal arguments (strings compared trimmed and case-insensitively).
 */
export function toolCallingScores(
  prediction: unknown,
  groundTruth: unknown,
): { function_name_accuracy: number; function_name_and_args_accuracy: number } {
  const want = calls(groundTruth);
  const got = calls(prediction);
  const names = want.length === got.length && want.every((w, i) => w.name === got[i]?.name);
  const args = names && want.every((w, i) => sameValue(w.arguments, got[i]?.arguments));
  return { function_name_accuracy: names ? 1 : 0, function_name_and_args_accuracy: args ? 1 : 0 };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

export function extractLabel(text: unknown, pattern: RegExp): string | undefined {
  if (typeof text !== 'string') return undefined;
  const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
  if (!match) return undefined;
  return (match[1] ?? match[0]).trim();
}

/**
 * Macro F1 over the classes seen in the references and predictions. A prediction without a
 * label is wrong: it counts as a miss for the reference's class and a hit for no class.
 */
export function macroF1(pairs: { reference?: string; prediction?: string }[]): number {
  const classes = new Set<string>();
  for (const p of pairs) {
    if (p.reference !== undefined) classes.add(p.reference);
    if (p.prediction !== undefined) classes.add(p.prediction);
  }
  if (classes.size === 0) return 0;
  let total = 0;
  for (const label of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { reference, prediction } of pairs) {
      if (prediction === label && reference === label) tp++;
      else if (prediction === label) fp++;
      else if (reference === label) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    total += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return total / classes.size;
}
