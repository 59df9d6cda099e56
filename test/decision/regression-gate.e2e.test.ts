import { jobDetail } from '../../api/jobs/view';
import { runReport } from '../../api/reports/router';
import type { FlywheelConfig } from '../../config/schema';
import type { StoredDecision } from '../../stores/results/schema';
import { FlywheelHarness } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';

// Exercises: activities/general-benchmark.ts (reached through the API or a worker, so no import names them)

// The regression gate end to end on the real servers against the NeMo emulator: the same run
// with an aggressive training config makes the customized model forget (its GSM8K score falls
// below 0.95 of the base model's) and it is not recommended; with a gentle config it keeps its
// general skill and passes. Both are visible in the job detail and the HTML report.

const h = new FlywheelHarness({ timeScale: 0.01 });
const MODEL = 'meta/llama-3.1-8b-instruct';

beforeAll(async () => {
  await h.start();
  const base = h.config({ models: [MODEL] });
  const gated = (training: Partial<FlywheelConfig['training_config']>): FlywheelConfig => ({
    ...base,
    training_config: { ...base.training_config, ...training },
    quality_gate: {
      ...base.quality_gate,
      tool_calling: { metric: 'function_name', threshold: 0.01, min_eval_size: 5 },
    },
    regression_gate: {
      enabled: true,
      threshold_ratio: 0.95,
      benchmarks: [{ type: 'gsm8k', limit_samples: 30, params: {} }],
      candidates: {},
    },
  });
  h.configs.set(
    'aggressive',
    gated({ epochs: 10, learning_rate: 0.001, batch_size: 4, lora: { adapter_dim: 128, adapter_dropout: 0.1 } }),
  );
  h.configs.set('gentle', gated({ epochs: 1, learning_rate: 0.00005, lora: { adapter_dim: 8, adapter_dropout: 0.1 } }));
}, 120_000);
afterAll(() => h.close());

async function run(configName: string) {
  const handle = await h.startRun({ configName });
  const result = await h.result(handle);
  expect(result.status).toBe('completed');
  await recordHistory(h, handle.workflowId, `regression-gate-${configName}`);
  const jobId = handle.workflowId.replace('flywheel-', '');
  const doc = await h.results.getRun(jobId);
  if (!doc) throw new Error('run document missing');
  const detail = await jobDetail(h.results, doc, { baseUrl: null, namespace: 'default' });
  const report = await runReport({ results: h.results, temporalUiUrl: null, temporalNamespace: 'default' }, doc);
  return { jobId, decision: doc.decision as StoredDecision, detail, report };
}

test('an aggressive training config trips the regression gate and is not recommended; a gentle one passes', async () => {
  const [aggressive, gentle] = await Promise.all([run('aggressive'), run('gentle')]);

  // the job detail: both benchmarks of both variants, scored by the Evaluator
  for (const r of [aggressive, gentle]) {
    const benchmarks = r.detail.nims[0]?.general_benchmarks ?? [];
    expect(benchmarks.map((b) => `${b.variant}:${b.benchmark}:${b.status}`)).toEqual([
      'base:gsm8k:completed',
      'customized:gsm8k:completed',
    ]);
    for (const b of benchmarks) {
      expect(b).toMatchObject({ metric: 'exact_match__strict-match', count: 30, task: 'gsm8k' });
      expect(b.job_id).toEqual(expect.any(String));
      expect(b.score).toBeGreaterThanOrEqual(0);
    }
    expect(benchmarks[1]?.target_model).toMatch(/^dfwbp\/customized-/);
  }
  const scores = (r: typeof gentle) => r.detail.nims[0]?.general_benchmarks?.map((b) => b.score as number) ?? [];
  const [aggBase, aggCustom] = scores(aggressive);
  const [gentleBase, gentleCustom] = scores(gentle);
  // the same base model on the same benchmark scores the same in both runs
  expect(aggBase).toBe(gentleBase);
  expect(aggBase).toBeGreaterThan(0.2);
  expect(aggCustom).toBeLessThan(0.95 * (aggBase as number));
  expect(gentleCustom).toBeGreaterThanOrEqual(0.95 * (gentleBase as number));

  // the decision: the regressed customized variant fails the gate and is not the recommendation
  const customizedOf = (d: StoredDecision) => d.candidates.find((c) => c.variant === 'customized');
  const regressed = customizedOf(aggressive.decision);
  expect(regressed?.regression?.passes).toBe(false);
  expect(regressed?.gate.passes).toBe(false);
  expect(regressed?.gate.reason).toMatch(/regressed: .*catastrophic forgetting/);
  expect(aggressive.decision.recommendation.variant).not.toBe('customized');
  expect(aggressive.decision.recommendation.summary).toMatch(
    /Not recommended by the regression gate: meta\/llama-3\.1-8b-instruct \(customized\)/,
  );
  expect(aggressive.detail.decision?.candidates.find((c) => c.variant === 'customized')?.regression?.passes).toBe(
    false,
  );

  const kept = customizedOf(gentle.decision);
  expect(kept?.regression).toMatchObject({ passes: true, threshold_ratio: 0.95 });
  expect(kept?.gate.passes).toBe(true);
  expect(gentle.decision.recommendation.status).toBe('recommended');
  expect(gentle.decision.recommendation.summary).not.toMatch(/regression gate: /);

  // the report shows the gate's table and why
  expect(aggressive.report).toContain('id="regression"');
  expect(aggressive.report).toMatch(/<td class="fail">regressed<\/td>/);
  expect(aggressive.report).toContain('catastrophic forgetting');
  expect(gentle.report).toMatch(/<td class="pass">kept<\/td>/);
}, 300_000);
