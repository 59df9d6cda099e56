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

/** The documented `f1` metric: token-overlap F1 of the answer against the ground truth (SQuAD style). */
export function tokenF1(prediction: string, truth: string): number {
  const tokens = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const got = tokens(prediction);
  const want = tokens(truth);
  if (got.length === 0 || want.length === 0) return got.length === want.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of want) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of got) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      common++;
      counts.set(t, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / got.length;
  const recall = common / want.length;
  return (2 * precision * recall) / (precision + recall);
}

/** The documented `string-check` metric: 1 when `left op right` holds, else 0. */
export function stringCheck(left: string, op: string, right: string): number {
  const l = left.trim();
  const r = right.trim();
  const holds =
    op === 'equals'
      ? l === r
      : op === '!='
        ? l !== r
        : op === 'contains'
          ? l.includes(r)
          : op === 'not contains'
            ? !l.includes(r)
            : op === 'startswith'
              ? l.startsWith(r)
              : l.endsWith(r);
  return holds ? 1 : 0;
}
