import fc from 'fast-check';
import { DAYS_PER_MONTH, HOURS_PER_MONTH, monthlyCost, savingFraction, type Traffic } from '../../decision/cost';
import { applyGate } from '../../decision/gate';
import { recommend, type VariantEvidence } from '../../decision/recommend';
import { type ScoreInterval, scoreInterval } from '../../decision/scores';

const traffic: Traffic = { requests_per_day: 10_000, input_tokens_per_request: 800, output_tokens_per_request: 200 };

describe('cost model', () => {
  test("the Blueprint's 70B → 1B example: 98.6% saving, by hand", () => {
    // Per-token prices proportional to parameter count (what "up to 98.6%" assumes):
    // 70B at $0.70 per million tokens, 1B at $0.01.
    // Month: 10,000 requests/day × 30 days = 300,000 requests × 1,000 tokens = 300M tokens.
    // 70B: 300 × $0.70 = $210; 1B: 300 × $0.01 = $3; saving (210 − 3) / 210 = 98.571%.
    const prod = monthlyCost({ input_per_million: 0.7, output_per_million: 0.7 }, traffic);
    const small = monthlyCost({ input_per_million: 0.01, output_per_million: 0.01 }, traffic);
    expect(prod).toBeCloseTo(210, 9);
    expect(small).toBeCloseTo(3, 9);
    expect(savingFraction(prod, small)).toBeCloseTo(207 / 210, 12);
    expect(Math.round(savingFraction(prod, small) * 1000) / 10).toBe(98.6);
  });

  test('separate input and output prices', () => {
    // 240M input × $0.5 + 60M output × $1.5 = 120 + 90
    expect(monthlyCost({ input_per_million: 0.5, output_per_million: 1.5 }, traffic)).toBeCloseTo(210, 9);
  });

  test('GPU pricing: enough replicas all month for the traffic, at least one', () => {
    // 300M tokens / (720 h × 3600 s) = 115.7 tokens/s; at 50 tokens/s per replica → 3 replicas
    const gpu = { gpus: 2, gpu_hourly_rate: 2.5, tokens_per_second: 50 };
    expect(monthlyCost(gpu, traffic)).toBeCloseTo(3 * 2 * 2.5 * HOURS_PER_MONTH, 9);
    const idle: Traffic = { requests_per_day: 1, input_tokens_per_request: 1, output_tokens_per_request: 1 };
    expect(monthlyCost(gpu, idle)).toBeCloseTo(2 * 2.5 * HOURS_PER_MONTH, 9);
    expect(DAYS_PER_MONTH).toBe(30);
  });

  test('per-token cost is linear in traffic and the saving independent of volume', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        (rpd, p1, p2) => {
          const t = { ...traffic, requests_per_day: rpd };
          const a = monthlyCost({ input_per_million: p1, output_per_million: p1 }, t);
          const b = monthlyCost({ input_per_million: p2, output_per_million: p2 }, t);
          expect(savingFraction(a, b)).toBeCloseTo(1 - p2 / p1, 9);
          const doubled = monthlyCost(
            { input_per_million: p1, output_per_million: p1 },
            { ...t, requests_per_day: 2 * rpd },
          );
          expect(doubled).toBeCloseTo(2 * a, 6);
        },
      ),
    );
  });
});

const rule = { metric: 'function_name_and_args_accuracy', threshold: 0.8, min_eval_size: 20 };
const acc = (k: number, n: number): ScoreInterval =>
  scoreInterval({ kind: 'accuracy', samples: Array.from({ length: n }, (_, i) => ({ correct: i < k })) });

describe('quality gate', () => {
  test('passes on the lower bound, not the point estimate', () => {
    expect(applyGate(rule, acc(18, 20))).toMatchObject({ passes: false }); // 0.90 [0.699, 0.972]
    expect(applyGate(rule, acc(90, 100)).passes).toBe(true); // 0.90 [0.826, 0.945]
    expect(applyGate(rule, acc(18, 20)).reason).toMatch(/lower bound 0\.699 is below the gate 0\.800/);
  });
  test('too few eval items fail whatever the score; a missing score fails with its reason', () => {
    expect(applyGate(rule, acc(10, 10)).reason).toMatch(/below min_eval_size 20/);
    expect(applyGate(rule, undefined)).toEqual({
      passes: false,
      reason: 'no function_name_and_args_accuracy score (evaluation did not complete)',
    });
  });
});

const variant = (
  model: string,
  v: VariantEvidence['variant'],
  score: ScoreInterval,
  cost: number | null,
): VariantEvidence => ({
  model,
  variant: v,
  eval_type: `${v}-eval` as VariantEvidence['eval_type'],
  status: 'completed',
  scores: { [rule.metric]: score },
  monthly_cost: cost,
});

describe('recommendation', () => {
  const production = { model: 'meta/llama-3.1-70b-instruct', monthly_cost: 210 };

  test('the cheapest passing variant wins, with the saving', () => {
    const { recommendation, verdicts } = recommend(
      rule,
      [
        variant('meta/llama-3.2-1b-instruct', 'base', acc(50, 100), 3),
        variant('meta/llama-3.2-1b-instruct', 'customized', acc(95, 100), 3),
        variant('meta/llama-3.1-8b-instruct', 'base', acc(97, 100), 24),
      ],
      production,
    );
    expect(recommendation).toMatchObject({
      status: 'recommended',
      model: 'meta/llama-3.2-1b-instruct',
      variant: 'customized',
      monthly_cost: 3,
      production_monthly_cost: 210,
    });
    expect(recommendation.saving_fraction).toBeCloseTo(207 / 210, 12);
    expect(recommendation.summary).toMatch(/saving 98\.6%/);
    expect(recommendation.reasons).toEqual([
      {
        model: 'meta/llama-3.1-8b-instruct',
        reason: 'clears the gate but costs more than meta/llama-3.2-1b-instruct (customized)',
      },
    ]);
    expect(verdicts.map((v) => v.gate.passes)).toEqual([false, true, true]);
  });

  test('every candidate below the gate: none, with a reason per candidate', () => {
    const { recommendation } = recommend(
      rule,
      [
        variant('a/one', 'base', acc(10, 20), 3),
        variant('a/one', 'icl', acc(19, 20), 3),
        { ...variant('b/two', 'customized', acc(0, 0), 9), status: 'failed', scores: {} },
      ],
      production,
    );
    expect(recommendation).toMatchObject({ status: 'none', model: null, variant: null, saving_fraction: null });
    expect(recommendation.reasons).toHaveLength(2);
    expect(recommendation.reasons[0]?.reason).toMatch(/^base: .*below the gate 0\.800; icl: .*below the gate/);
    expect(recommendation.reasons[1]).toEqual({ model: 'b/two', reason: 'customized: evaluation failed' });
  });

  test('the recommended variant always passes and nothing passing is cheaper', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            k: fc.integer({ min: 0, max: 60 }),
            cost: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
            v: fc.constantFrom('base' as const, 'icl' as const, 'customized' as const),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (rows) => {
          const variants = rows.map((r, i) => variant(`m/${i}`, r.v, acc(r.k, 60), r.cost));
          const { recommendation, verdicts } = recommend(rule, variants, production);
          const passing = verdicts.filter((v) => v.gate.passes);
          if (passing.length === 0) {
            expect(recommendation.status).toBe('none');
            expect(recommendation.reasons).toHaveLength(rows.length);
            return;
          }
          expect(recommendation.status).toBe('recommended');
          const cost = recommendation.monthly_cost ?? Number.POSITIVE_INFINITY;
          for (const p of passing) expect(cost).toBeLessThanOrEqual(p.monthly_cost ?? Number.POSITIVE_INFINITY);
        },
      ),
    );
  });
});
