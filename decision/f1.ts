/** One classified item: the reference label (the production model's) and the candidate's, if any. */
export interface LabelPair {
  label: string;
  predicted: string | null;
}

/**
 * Macro F1 over the classes seen in references and predictions. An item without a predicted
 * label is a miss for its reference class and a hit for no class.
 */
export function macroF1(pairs: readonly LabelPair[]): number {
  const classes = new Set<string>();
  for (const p of pairs) {
    classes.add(p.label);
    if (p.predicted !== null) classes.add(p.predicted);
  }
  if (classes.size === 0) return 0;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const { label, predicted } of pairs) {
    if (predicted === label) bump(tp, label);
    else {
      bump(fn, label);
      if (predicted !== null) bump(fp, predicted);
    }
  }
  let total = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const denom = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    total += denom === 0 ? 0 : (2 * t) / denom;
  }
  return total / classes.size;
}
