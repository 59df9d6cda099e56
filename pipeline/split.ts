// Seeded, class-aware eval/train/val split. It works on per-record class ids and seeded
// priorities only, so it holds nothing but numbers and scales to millions of records.
// Unlike upstream's scikit-learn split it has no failure mode: every allocation is computed
// with largest remainders, so val_ratio = 0, singleton classes and eval_size >= record count
// all produce a valid (if degenerate) split plus a warning.

export const SPLIT = { dropped: 0, eval: 1, train: 2, val: 3 } as const;
export type SplitCode = (typeof SPLIT)[keyof typeof SPLIT];

export interface SplitOptions {
  /** Exact eval set size (capped so at least one training record remains). */
  evalSize: number;
  /** Validation share of the records left after eval, rounded up: ceil(ratio × rest). */
  valRatio: number;
  /** Keep at most this many records, the ones with the lowest priority (a seeded sample). */
  limit: number;
  /** Classes smaller than this are pooled into one stratum. */
  minClassSize?: number;
}

export interface SplitPlan {
  /** One SPLIT code per record, in input order. */
  assignment: Uint8Array;
  counts: { eval: number; train: number; val: number; dropped: number };
  warnings: string[];
}

/**
 * Splits `n = classes.length` records. `classes[i]` is record i's class id (any integer),
 * `priorities[i]` its seeded priority in [0, 1); lower priorities are kept when sampling down
 * to `limit` and are taken first into eval, then val.
 */
export function planSplit(classes: ArrayLike<number>, priorities: ArrayLike<number>, options: SplitOptions): SplitPlan {
  const n = classes.length;
  if (priorities.length !== n) throw new Error(`planSplit: ${n} classes but ${priorities.length} priorities`);
  const warnings: string[] = [];
  const assignment = new Uint8Array(n); // all SPLIT.dropped

  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (priorities[a] as number) - (priorities[b] as number) || a - b,
  );
  const kept = order.slice(0, Math.min(n, Math.max(0, options.limit)));
  const m = kept.length;

  const strata = stratify(kept, classes, options.minClassSize ?? 2);

  let evalSize = Math.min(options.evalSize, Math.max(m - 1, 0));
  if (evalSize < options.evalSize) {
    warnings.push(`eval_size ${options.evalSize} reduced to ${evalSize} so that training keeps at least one record`);
  }
  evalSize = Math.max(0, evalSize);
  const evalQuota = allocate(
    evalSize,
    strata.map((s) => s.length),
  );

  const rest = m - evalSize;
  let valSize = options.valRatio > 0 ? Math.ceil(options.valRatio * rest - 1e-9) : 0;
  if (valSize > rest - 1 && rest > 0) {
    valSize = Math.max(rest - 1, 0);
    warnings.push(`validation reduced to ${valSize} records so that training keeps at least one`);
  }
  if (options.valRatio > 0 && valSize === 0) warnings.push('too few records for a validation set; it is empty');
  const valQuota = allocateKeepingOneForTraining(
    valSize,
    strata.map((s, k) => s.length - (evalQuota[k] as number)),
  );

  strata.forEach((members, k) => {
    const e = evalQuota[k] as number;
    const v = valQuota[k] as number;
    members.forEach((index, rank) => {
      assignment[index] = rank < e ? SPLIT.eval : rank < e + v ? SPLIT.val : SPLIT.train;
    });
  });

  return {
    assignment,
    counts: { eval: evalSize, val: valSize, train: m - evalSize - valSize, dropped: n - m },
    warnings,
  };
}

/** Kept record indexes grouped by class (priority order within), small classes pooled. */
function stratify(kept: number[], classes: ArrayLike<number>, minClassSize: number): number[][] {
  const byClass = new Map<number, number[]>();
  for (const index of kept) {
    const c = classes[index] as number;
    let members = byClass.get(c);
    if (!members) {
      members = [];
      byClass.set(c, members);
    }
    members.push(index);
  }
  const strata: number[][] = [];
  const pooled: number[] = [];
  for (const members of byClass.values()) {
    if (members.length < minClassSize) pooled.push(...members);
    else strata.push(members);
  }
  if (pooled.length > 0) {
    const rank = new Map(kept.map((index, r) => [index, r]));
    pooled.sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number));
    strata.push(pooled);
  }
  return strata;
}

/**
 * Like `allocate`, but leaves each bucket at least one record (for training) while that is
 * possible, so a small class does not vanish from the training set into validation.
 */
function allocateKeepingOneForTraining(total: number, sizes: number[]): number[] {
  const quota = allocate(
    total,
    sizes.map((s) => Math.max(0, s - 1)),
  );
  const short = total - quota.reduce((a, b) => a + b, 0);
  if (short <= 0) return quota;
  const extra = allocate(
    short,
    sizes.map((s, k) => s - (quota[k] as number)),
  );
  return quota.map((q, k) => q + (extra[k] as number));
}

/**
 * Distributes `total` over buckets proportionally to `sizes` (largest remainder, ties to the
 * earlier bucket), never giving a bucket more than its size. Requires total <= sum(sizes).
 */
export function allocate(total: number, sizes: number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (total <= 0 || sum === 0) return sizes.map(() => 0);
  const target = Math.min(total, sum);
  const exact = sizes.map((s) => (target * s) / sum);
  const quota = exact.map((x, k) => Math.min(Math.floor(x), sizes[k] as number));
  let left = target - quota.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, k) => ({ k, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.k - b.k);
  while (left > 0) {
    let progressed = false;
    for (const { k } of byRemainder) {
      if (left === 0) break;
      if ((quota[k] as number) < (sizes[k] as number)) {
        quota[k] = (quota[k] as number) + 1;
        left--;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return quota;
}
