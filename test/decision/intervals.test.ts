import fc from 'fast-check';
import { macroF1 } from '../../decision/f1';
import { bootstrapInterval, mean, normalQuantile, wilsonInterval } from '../../decision/intervals';
import { scoreInterval } from '../../decision/scores';

const width = (i: { low: number; high: number }) => i.high - i.low;

describe('Wilson interval', () => {
  test('matches the textbook values', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9)).toBeCloseTo(1.644854, 5);
    // 14/20 = 0.70: the "roughly ±0.2" at the default eval_size
    const i = wilsonInterval(0.7, 20);
    expect(i.low).toBeCloseTo(0.481, 3);
    expect(i.high).toBeCloseTo(0.8545, 3);
    // 20/20 still leaves doubt: the lower bound is about 0.839
    expect(wilsonInterval(1, 20).low).toBeCloseTo(0.8389, 3);
    expect(wilsonInterval(0, 10)).toMatchObject({ low: 0, estimate: 0 });
  });

  test('contains the estimate, stays in [0, 1], and shrinks as the eval set grows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 2, max: 10 }),
        (n, k0, grow) => {
          const k = k0 % (n + 1);
          const small = wilsonInterval(k / n, n);
          const large = wilsonInterval(k / n, n * grow);
          expect(small.low).toBeGreaterThanOrEqual(0);
          expect(small.high).toBeLessThanOrEqual(1);
          expect(small.low).toBeLessThanOrEqual(k / n + 1e-12);
          expect(small.high).toBeGreaterThanOrEqual(k / n - 1e-12);
          expect(width(large)).toBeLessThan(width(small));
        },
      ),
    );
  });

  test('a higher confidence level gives a wider interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, p) => {
        expect(width(wilsonInterval(p, n, 0.99))).toBeGreaterThan(width(wilsonInterval(p, n, 0.9)));
      }),
    );
  });
});

describe('bootstrap interval', () => {
  test('is reproducible for a seed and brackets the statistic', () => {
    const xs = [0.1, 0.4, 0.5, 0.9, 1, 0.3, 0.7, 0.2];
    const a = bootstrapInterval(xs, mean, { seed: 3 });
    expect(bootstrapInterval(xs, mean, { seed: 3 })).toEqual(a);
    expect(a.estimate).toBeCloseTo(mean(xs), 12);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
  });

  test('judge-score intervals shrink as the eval set grows (same distribution, four times the items)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 40 }).filter((a) => new Set(a).size > 1),
        fc.integer({ min: 1, max: 1e6 }),
        (ratings, seed) => {
          const xs = ratings.map((r) => r / 9);
          const big = [...xs, ...xs, ...xs, ...xs];
          const small = scoreInterval({ kind: 'judge', samples: xs }, { seed, resamples: 400 });
          const large = scoreInterval({ kind: 'judge', samples: big }, { seed, resamples: 400 });
          expect(large.n).toBe(small.n * 4);
          expect(width(large)).toBeLessThan(width(small));
        },
      ),
      { numRuns: 25 },
    );
  });

  test('F1 intervals come from resampled label pairs and shrink with more items', () => {
    const labels = ['pos', 'neg', 'neutral'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...labels), fc.constantFrom(...labels, null)), {
          minLength: 8,
          maxLength: 30,
        }),
        (raw) => {
          const pairs = raw.map(([label, predicted]) => ({ label, predicted }));
          fc.pre(new Set(pairs.map((p) => p.label === p.predicted)).size > 1);
          const small = scoreInterval({ kind: 'f1', samples: pairs }, { resamples: 400 });
          const large = scoreInterval(
            { kind: 'f1', samples: [...pairs, ...pairs, ...pairs, ...pairs] },
            { resamples: 400 },
          );
          expect(small.estimate).toBeCloseTo(macroF1(pairs), 12);
          expect(width(large)).toBeLessThan(width(small));
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('macro F1', () => {
  test('hand computed', () => {
    // pos: tp 1, fp 1, fn 1 → 0.5; neg: tp 1, fp 0, fn 1 → 2/3; neutral: tp 0, fp 1 → 0
    const pairs = [
      { label: 'pos', predicted: 'pos' },
      { label: 'pos', predicted: 'neutral' },
      { label: 'neg', predicted: 'neg' },
      { label: 'neg', predicted: 'pos' },
    ];
    expect(macroF1(pairs)).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 12);
    expect(macroF1([{ label: 'a', predicted: 'a' }])).toBe(1);
    expect(macroF1([{ label: 'a', predicted: null }])).toBe(0);
  });
});

describe('score intervals from evidence', () => {
  test('accuracy uses Wilson over pass/fail samples; an aggregate uses the Wilson bound', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({ correct: i < 14 }));
    const perSample = scoreInterval({ kind: 'accuracy', samples });
    expect(perSample).toMatchObject({ method: 'wilson', n: 20, estimate: 0.7 });
    expect(perSample.low).toBeCloseTo(0.481, 3);
    const aggregate = scoreInterval({ kind: 'aggregate', estimate: 0.7, n: 20 });
    expect(aggregate).toMatchObject({ method: 'wilson-bound', low: perSample.low, high: perSample.high });
  });

  test('the Wilson bound of an aggregate is never narrower than the bootstrap of the samples behind it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 20, maxLength: 60 }), (ratings) => {
        const xs = ratings.map((r) => r / 9);
        const boot = scoreInterval({ kind: 'judge', samples: xs }, { resamples: 400 });
        const bound = scoreInterval({ kind: 'aggregate', estimate: mean(xs), n: xs.length });
        expect(width(bound)).toBeGreaterThanOrEqual(width(boot) * 0.9);
      }),
      { numRuns: 20 },
    );
  });
});
