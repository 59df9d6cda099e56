import fc from 'fast-check';
import { macroF1 } from '../../decision/f1';
import { wilsonInterval } from '../../decision/intervals';
import { evaluationIntervals } from '../../decision/samples';

// An evaluation's stored scores with intervals from its per-sample results (the compact outcomes
// the evaluation activity stores): Wilson for accuracies, a seeded bootstrap for judge scores and
// F1, and the aggregate with the server's count when no samples were given.

const width = (i: { low: number; high: number } | undefined) => (i ? i.high - i.low : Number.NaN);

/** A tool-calling evaluation of n items where item i is right when `right(i)`. */
function toolCalling(n: number, right: (i: number) => boolean, similarity?: (i: number) => number) {
  const samples = Array.from({ length: n }, (_, index) => ({
    index,
    scores: {
      function_name: right(index) ? 1 : 0,
      function_name_and_args_accuracy: right(index) && index % 2 === 0 ? 1 : 0,
      ...(similarity ? { similarity: similarity(index) } : {}),
    },
  }));
  const avg = (k: 'function_name' | 'function_name_and_args_accuracy' | 'similarity') =>
    samples.reduce((a, s) => a + ((s.scores as Record<string, number>)[k] ?? 0), 0) / n;
  return {
    scores: {
      function_name: avg('function_name'),
      function_name_and_args_accuracy: avg('function_name_and_args_accuracy'),
      ...(similarity ? { similarity: avg('similarity') } : {}),
    },
    samples,
  };
}

test('accuracies get the Wilson interval of their per-sample passes, at the n of the samples', () => {
  const doc = toolCalling(20, (i) => i < 14);
  const intervals = evaluationIntervals(doc, 999);
  expect(intervals.function_name).toMatchObject({ method: 'wilson', n: 20, estimate: 0.7, level: 0.95 });
  expect(intervals.function_name?.low).toBeCloseTo(wilsonInterval(0.7, 20).low, 12);
  expect(intervals.function_name?.high).toBeCloseTo(wilsonInterval(0.7, 20).high, 12);
  // the stored aggregate is not what the interval is centred on: the samples are
  expect(evaluationIntervals({ ...doc, scores: { function_name: 0.5 } }, 20).function_name?.estimate).toBe(0.7);
});

test('per-sample intervals shrink as the eval set grows (accuracies and judge scores)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 8, max: 60 }),
      fc.integer({ min: 2, max: 5 }),
      fc.integer({ min: 1, max: 1e6 }),
      (n, grow, seed) => {
        // the same mix of outcomes, repeated over a larger eval set
        const right = (i: number) => (i * 7919) % 10 < 6;
        const sim = (i: number) => ((i * 31) % 10) / 9;
        const small = evaluationIntervals(toolCalling(n, right, sim), n, { seed, resamples: 300 });
        const large = evaluationIntervals(
          toolCalling(
            n * grow,
            (i) => right(i % n),
            (i) => sim(i % n),
          ),
          n,
          {
            seed,
            resamples: 300,
          },
        );
        expect(large.function_name?.n).toBe(n * grow);
        expect(width(large.function_name)).toBeLessThan(width(small.function_name));
        expect(width(large.function_name_and_args_accuracy)).toBeLessThan(width(small.function_name_and_args_accuracy));
        expect(small.similarity?.method).toBe('bootstrap');
        expect(width(large.similarity)).toBeLessThan(width(small.similarity));
      },
    ),
    { numRuns: 20 },
  );
});

test('judge-score and F1 bootstraps are deterministic for a seed', () => {
  const labels = ['billing', 'shipping', 'returns'];
  const classified = {
    scores: { f1: 0, label_accuracy: 0 },
    samples: Array.from({ length: 30 }, (_, i) => ({
      index: i,
      scores: { label_accuracy: i % 3 === 0 ? 0 : 1 },
      label: labels[i % 3] as string,
      predicted: i % 3 === 0 ? (labels[(i + 1) % 3] as string) : (labels[i % 3] as string),
    })),
  };
  const judged = toolCalling(
    25,
    () => true,
    (i) => ((i * 13) % 10) / 9,
  );
  for (const doc of [classified, judged]) {
    const a = evaluationIntervals(doc, 30, { seed: 42 });
    expect(evaluationIntervals(doc, 30, { seed: 42 })).toEqual(a);
    const other = evaluationIntervals(doc, 30, { seed: 43 });
    const key = 'f1' in doc.scores ? 'f1' : 'similarity';
    expect(a[key]?.method).toBe('bootstrap');
    expect(other[key]?.estimate).toBe(a[key]?.estimate);
    expect([other[key]?.low, other[key]?.high]).not.toEqual([a[key]?.low, a[key]?.high]);
  }
  const f1 = evaluationIntervals(classified, 30).f1;
  expect(f1?.estimate).toBeCloseTo(
    macroF1(classified.samples.map((s) => ({ label: s.label, predicted: s.predicted }))),
    12,
  );
  expect(f1?.n).toBe(30);
  expect(evaluationIntervals(classified, 30).label_accuracy).toMatchObject({ method: 'wilson', n: 30 });
});

test('without per-sample results: the aggregate over the server count, else the eval set size (wilson-bound)', () => {
  const scores = { function_name: 0.7, similarity: 0.55 };
  const counted = evaluationIntervals({ scores, samples: [], score_counts: { function_name: 80 } }, 20);
  expect(counted.function_name).toMatchObject({ method: 'wilson-bound', n: 80, estimate: 0.7 });
  expect(counted.function_name?.low).toBeCloseTo(wilsonInterval(0.7, 80).low, 12);
  expect(counted.similarity).toMatchObject({ method: 'wilson-bound', n: 20 });
  expect(width(counted.function_name)).toBeLessThan(width(counted.similarity));
  // keys with no known kind get no interval
  expect(evaluationIntervals({ scores: { bleu: 0.3 } }, 20)).toEqual({});
});
