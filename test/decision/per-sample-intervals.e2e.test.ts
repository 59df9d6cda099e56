import { decisionView } from '../../api/decision/view';
import { jobDetail } from '../../api/jobs/view';
import { runReport } from '../../api/reports/router';
import { recommendationReport } from '../../cli/render-decision';
import { wilsonInterval } from '../../decision/intervals';
import type { EvaluationDoc, StoredDecision } from '../../stores/results/schema';
import { FlywheelHarness } from '../support/flywheel-harness';

// Full runs against the NeMo emulator: every stored score carries an interval computed from the
// Evaluator's per-sample results, whose n is the eval set's size and whose width follows it; a
// server whose results archive has no per-sample files gets the aggregate's interval, and the
// stored score and `per_sample` say so. The decision and job detail show the same intervals.

const h = new FlywheelHarness({ timeScale: 0.01 });
const MODEL = 'meta/llama-3.2-1b-instruct';

beforeAll(async () => {
  await h.start();
  const base = h.config({ models: [MODEL], customize: false });
  const gate = {
    ...base.quality_gate,
    tool_calling: { metric: 'function_name' as const, threshold: 0.01, min_eval_size: 5 },
  };
  for (const size of [10, 40]) {
    h.configs.set(`eval-${size}`, {
      ...base,
      quality_gate: gate,
      data_split_config: { ...base.data_split_config, eval_size: size },
    });
  }
}, 120_000);
afterAll(() => h.close());

async function run(configName: string, jobId: string) {
  const handle = await h.startRun({ configName, jobId });
  expect((await h.result(handle)).status).toBe('completed');
  const docs = await h.documents(jobId);
  const evalSize = (docs.run?.dataset_report as { split?: { eval?: number } } | null)?.split?.eval;
  return { docs, evalSize: evalSize as number, decision: docs.run?.decision as StoredDecision };
}

const ACCURACIES = ['function_name', 'function_name_and_args_accuracy'] as const;
const width = (i: { low: number; high: number }) => i.high - i.low;

test('stored scores carry per-sample intervals sized by the eval set; without samples, the aggregate fallback says so', async () => {
  const ids = { small: '0a'.repeat(12), large: '0b'.repeat(12), noSamples: '0c'.repeat(12) };
  // only the third run's evaluation jobs (their keys carry its job id) lose their per-sample files
  await h.setFaults({ evaluation: { no_samples: [ids.noSamples] } });
  const [small, large, bare] = await Promise.all([
    run('eval-10', ids.small),
    run('eval-40', ids.large),
    run('eval-40', ids.noSamples),
  ]);
  expect(small.evalSize).toBe(10);
  expect(large.evalSize).toBe(40);
  expect((await h.counters()).faults_injected.evaluation_no_samples).toBeGreaterThan(0);

  for (const r of [small, large]) {
    expect(r.docs.evaluations.map((e) => e.eval_type).sort()).toEqual(['base-eval', 'icl-eval']);
    for (const e of r.docs.evaluations as EvaluationDoc[]) {
      expect(e.status).toBe('completed');
      expect(e.per_sample).toMatchObject({ available: true, count: r.evalSize });
      expect(e.samples).toHaveLength(r.evalSize);
      for (const key of ACCURACIES) {
        const s = e.score_intervals?.[key];
        // Wilson over the per-sample passes, at the eval set's size
        expect(s).toMatchObject({ method: 'wilson', n: r.evalSize, level: 0.95 });
        const passes = (e.samples ?? []).filter((x) => x.scores[key] === 1).length;
        expect(s?.estimate).toBeCloseTo(passes / r.evalSize, 12);
        expect(s?.estimate).toBeCloseTo(e.scores[key] as number, 12);
        const expected = wilsonInterval(passes / r.evalSize, r.evalSize);
        expect(s?.low).toBeCloseTo(expected.low, 12);
        expect(s?.high).toBeCloseTo(expected.high, 12);
      }
      // the emulated judge answers 0 or 1 per item: a proportion, so Wilson too
      expect(e.score_intervals?.tool_calling_correctness).toMatchObject({ n: r.evalSize });
    }
    // the decision uses the stored intervals
    for (const c of r.decision.candidates) {
      const e = r.docs.evaluations.find((x) => x.eval_type === c.eval_type);
      expect(c.scores.function_name).toEqual(e?.score_intervals?.function_name);
    }
  }
  // each width is that of its own eval size: the same score over the other run's eval size
  // would be narrower (10 items) or wider (40 items)
  for (const [mine, other] of [
    [small, 40],
    [large, 10],
  ] as const) {
    for (const e of mine.docs.evaluations) {
      for (const key of ACCURACIES) {
        const s = e.score_intervals?.[key] as { estimate: number; low: number; high: number };
        const there = width(wilsonInterval(s.estimate, other));
        if (other > mine.evalSize) expect(width(s)).toBeGreaterThan(there);
        else expect(width(s)).toBeLessThan(there);
      }
    }
  }

  for (const e of bare.docs.evaluations as EvaluationDoc[]) {
    expect(e.status).toBe('completed');
    expect(e.samples).toEqual([]);
    expect(e.per_sample).toMatchObject({ available: false, count: 0 });
    expect(e.per_sample?.detail).toMatch(/no per-sample results .*aggregate.*wilson-bound/);
    for (const key of ACCURACIES) {
      // n is the Evaluator's stats.count for the score, the eval set's size here
      expect(e.score_counts?.[key]).toBe(40);
      expect(e.score_intervals?.[key]).toMatchObject({ method: 'wilson-bound', n: 40 });
    }
  }
  expect(bare.decision.candidates.every((c) => c.scores.function_name?.method === 'wilson-bound')).toBe(true);

  // job detail shows the same, additively, next to the Blueprint's scores
  const detail = await jobDetail(h.results, large.docs.run as NonNullable<typeof large.docs.run>, {
    baseUrl: null,
    namespace: 'default',
  });
  const shown = detail.nims[0]?.evaluations[0];
  expect(shown?.scores.function_name).toBeDefined();
  expect(shown?.score_intervals.function_name).toMatchObject({ method: 'wilson', n: 40 });
  expect(shown?.per_sample).toMatchObject({ available: true, count: 40 });

  // the recommendation as printed (jobs show, demo) and the report name how each interval was made
  const printed = (r: typeof large) => recommendationReport({ decision: decisionView(r.decision) });
  expect(printed(large)).toMatch(/\] n=40 wilson /);
  expect(printed(bare)).toMatch(/\] n=40 wilson-bound /);
  expect(printed(bare)).toContain('wilson-bound: the server gave no per-sample results');
  const report = (r: typeof large) =>
    runReport(
      { results: h.results, temporalUiUrl: null, temporalNamespace: 'default' },
      r.docs.run as NonNullable<typeof r.docs.run>,
    );
  expect(await report(large)).toContain('Wilson interval of the per-sample passes');
  expect(await report(bare)).toContain('the server gave no per-sample results');
}, 300_000);
