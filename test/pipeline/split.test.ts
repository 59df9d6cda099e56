import { seededPriority } from '../../pipeline/record-keys';
import { allocate, planSplit, SPLIT } from '../../pipeline/split';

const priorities = (n: number, seed = 's') => Array.from({ length: n }, (_, i) => seededPriority(seed, `r${i}`));
const classesOf = (sizes: number[]) => sizes.flatMap((size, c) => Array.from({ length: size }, () => c));

function countsByCode(assignment: Uint8Array) {
  const counts = { dropped: 0, eval: 0, train: 0, val: 0 };
  for (const code of assignment) {
    if (code === SPLIT.eval) counts.eval++;
    else if (code === SPLIT.train) counts.train++;
    else if (code === SPLIT.val) counts.val++;
    else counts.dropped++;
  }
  return counts;
}

describe('eval/train/val split', () => {
  test.each([
    [100, 5, 0.1, 5, 85, 10],
    [200, 20, 0.15, 20, 153, 27],
    [20, 2, 0.2, 2, 14, 4],
    [10, 2, 0.25, 2, 6, 2],
    [10, 3, 0.2, 3, 5, 2],
    [10, 1, 0.33, 1, 6, 3],
  ])('%i records, eval %i, ratio %f → %i / %i / %i (upstream sizes)', (n, evalSize, valRatio, e, t, v) => {
    const plan = planSplit(classesOf([n]), priorities(n), { evalSize, valRatio, limit: 10_000 });
    expect(plan.counts).toEqual({ eval: e, train: t, val: v, dropped: 0 });
    expect(countsByCode(plan.assignment)).toEqual(plan.counts);
  });

  test('val_ratio 0 gives an empty validation set instead of failing', () => {
    const plan = planSplit(classesOf([30]), priorities(30), { evalSize: 5, valRatio: 0, limit: 100 });
    expect(plan.counts).toEqual({ eval: 5, train: 25, val: 0, dropped: 0 });
  });

  test('a single singleton class among larger ones is split without error', () => {
    const classes = classesOf([20, 20, 1]);
    const plan = planSplit(classes, priorities(classes.length), { evalSize: 6, valRatio: 0.2, limit: 100 });
    expect(plan.counts.eval).toBe(6);
    expect(plan.counts.eval + plan.counts.train + plan.counts.val).toBe(41);
  });

  test('eval_size equal to the record count keeps one record for training and warns', () => {
    const plan = planSplit(classesOf([10]), priorities(10), { evalSize: 10, valRatio: 0.1, limit: 100 });
    expect(plan.counts.train).toBeGreaterThanOrEqual(1);
    expect(plan.counts.eval).toBe(9);
    expect(plan.warnings.join(' ')).toMatch(/eval_size 10 reduced to 9/);
  });

  test('one record and zero records never throw', () => {
    expect(planSplit([0], [0.5], { evalSize: 5, valRatio: 0.5, limit: 10 }).counts).toEqual({
      eval: 0,
      train: 1,
      val: 0,
      dropped: 0,
    });
    expect(planSplit([], [], { evalSize: 5, valRatio: 0.5, limit: 10 }).counts.train).toBe(0);
  });

  test('eval is stratified: each class gets its share of the eval set', () => {
    const classes = classesOf([600, 300, 100]);
    const plan = planSplit(classes, priorities(classes.length), { evalSize: 100, valRatio: 0.1, limit: 10_000 });
    const evalPerClass = [0, 0, 0];
    const valPerClass = [0, 0, 0];
    plan.assignment.forEach((code, i) => {
      if (code === SPLIT.eval) evalPerClass[classes[i] as number] = (evalPerClass[classes[i] as number] ?? 0) + 1;
      if (code === SPLIT.val) valPerClass[classes[i] as number] = (valPerClass[classes[i] as number] ?? 0) + 1;
    });
    expect(evalPerClass).toEqual([60, 30, 10]);
    expect(valPerClass).toEqual([54, 27, 9]);
  });

  test('rare classes are grouped into one stratum, so they still reach eval together', () => {
    // 200 records of class 0, then 10 singleton classes
    const classes = [...classesOf([200]), ...Array.from({ length: 10 }, (_, i) => i + 1)];
    const plan = planSplit(classes, priorities(classes.length), { evalSize: 21, valRatio: 0, limit: 1000 });
    const rareInEval = plan.assignment.filter((code, i) => code === SPLIT.eval && (classes[i] as number) > 0).length;
    // 10 of 210 records are rare: their pooled stratum gets 10/210 × 21 = 1 eval slot
    expect(rareInEval).toBe(1);
  });

  test('a small class keeps a training record instead of going wholly to validation', () => {
    // two-record classes with a large validation share: each still trains on one record
    const classes = classesOf([2, 2, 2, 2, 2, 40]);
    const plan = planSplit(classes, priorities(classes.length), { evalSize: 0, valRatio: 0.7, limit: 1000 });
    const trainPerClass = new Map<number, number>();
    plan.assignment.forEach((code, i) => {
      if (code === SPLIT.train)
        trainPerClass.set(classes[i] as number, (trainPerClass.get(classes[i] as number) ?? 0) + 1);
    });
    expect([0, 1, 2, 3, 4, 5].every((c) => (trainPerClass.get(c) ?? 0) >= 1)).toBe(true);
    expect(plan.counts.val).toBe(35);
  });

  test('the same seed gives the same split, another seed a different one', () => {
    const classes = classesOf([50, 30, 20]);
    const opts = { evalSize: 10, valRatio: 0.2, limit: 1000 };
    const a = planSplit(classes, priorities(100, 'seed-1'), opts);
    const b = planSplit(classes, priorities(100, 'seed-1'), opts);
    const c = planSplit(classes, priorities(100, 'seed-2'), opts);
    expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
    expect(Array.from(a.assignment)).not.toEqual(Array.from(c.assignment));
  });

  test('limit keeps a seeded sample of that many records and drops the rest', () => {
    const plan = planSplit(classesOf([100]), priorities(100), { evalSize: 5, valRatio: 0.1, limit: 40 });
    expect(plan.counts).toEqual({ eval: 5, train: 31, val: 4, dropped: 60 });
  });

  test('allocate distributes by largest remainder and never over-fills a bucket', () => {
    expect(allocate(10, [5, 3, 2])).toEqual([5, 3, 2]);
    expect(allocate(3, [1, 1, 1, 1])).toEqual([1, 1, 1, 0]);
    expect(allocate(5, [10, 1])).toEqual([5, 0]);
    expect(allocate(0, [4, 4])).toEqual([0, 0]);
  });
});
