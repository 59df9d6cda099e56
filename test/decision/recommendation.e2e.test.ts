import type { StoredDecision } from '../../stores/results/schema';
import { FlywheelHarness } from '../support/flywheel-harness';

// Exercises: stores/traffic-stats.ts (reached through the API or a worker, so no import names them)
// Exercises: activities/recommendation.ts, decision/build.ts (run by the harness's worker in the run this file starts)

// Full runs on the real servers against the NeMo emulator: the run's finalization records the
// recommendation with intervals, gate verdicts and costs on the run document.

const h = new FlywheelHarness({ timeScale: 0.01 });
const MODELS = ['meta/llama-3.2-1b-instruct', 'meta/llama-3.1-8b-instruct'];

beforeAll(async () => {
  await h.start();
  const base = h.config({ models: MODELS, customize: false });
  const tool = { metric: 'function_name' as const, min_eval_size: 5 };
  h.configs.set('lenient', {
    ...base,
    quality_gate: { ...base.quality_gate, tool_calling: { ...tool, threshold: 0.01 } },
  });
  h.configs.set('strict', { ...base, quality_gate: { ...base.quality_gate, tool_calling: { ...tool, threshold: 1 } } });
}, 120_000);
afterAll(() => h.close());

async function decisionOf(configName: string): Promise<StoredDecision> {
  const handle = await h.startRun({ configName });
  const result = await h.result(handle);
  expect(result.status).toBe('completed');
  const run = await h.results.getRun(handle.workflowId.replace('flywheel-', ''));
  expect(run?.decision).toBeTruthy();
  return run?.decision as StoredDecision;
}

test('a run records the cheapest candidate that clears the gate, with intervals and the saving on real traffic', async () => {
  const [lenient, strict] = await Promise.all([decisionOf('lenient'), decisionOf('strict')]);

  expect(lenient.workload_type).toBe('tool_calling');
  expect(lenient.gate).toMatchObject({ metric: 'function_name', threshold: 0.01, confidence_level: 0.95 });
  // the production model named by the logged requests, priced from the defaults
  expect(lenient.production).toMatchObject({ model: 'meta/llama-3.1-70b-instruct', source: 'logs' });
  expect(lenient.traffic.total_requests).toBeGreaterThan(0);
  expect(lenient.traffic.requests_per_day).toBeGreaterThan(0);
  expect(lenient.traffic.input_tokens_per_request).toBeGreaterThan(lenient.traffic.output_tokens_per_request);
  expect(lenient.candidates).toHaveLength(4); // two models × base and ICL
  for (const c of lenient.candidates) {
    const s = c.scores.function_name;
    expect(s?.low).toBeLessThanOrEqual(s?.estimate as number);
    expect(s?.high).toBeGreaterThanOrEqual(s?.estimate as number);
    expect(s?.n).toBeGreaterThanOrEqual(5);
    expect(c.monthly_cost).toBeGreaterThan(0);
  }
  const r = lenient.recommendation;
  expect(r.status).toBe('recommended');
  // the 1B model is the cheapest and clears a gate this low
  expect(r.model).toBe('meta/llama-3.2-1b-instruct');
  expect(r.production_monthly_cost).toBeGreaterThan(r.monthly_cost as number);
  // 1B against 70B at prices proportional to size: 1 - 1/70 for the base variant
  if (r.variant === 'base') expect(r.saving_fraction).toBeCloseTo(1 - 1 / 70, 6);
  expect(r.summary).toMatch(/^Recommend meta\/llama-3\.2-1b-instruct/);

  expect(strict.recommendation).toMatchObject({ status: 'none', model: null, variant: null });
  expect(strict.recommendation.reasons.map((x) => x.model).sort()).toEqual([...MODELS].sort());
  for (const reason of strict.recommendation.reasons) {
    expect(reason.reason).toMatch(
      /base: function_name .* below the gate 1\.000; icl: function_name .* below the gate 1\.000/,
    );
  }
  expect(strict.candidates.every((c) => !c.gate.passes)).toBe(true);
}, 240_000);
