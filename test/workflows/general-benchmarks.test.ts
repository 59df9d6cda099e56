import { loadFlywheelConfig } from '../../config/load';
import type { CandidateModel, FlywheelConfig } from '../../config/schema';
import { benchmarksFor } from '../../workflows/general-benchmarks';

// Which regression-gate benchmarks a candidate runs.

const base = loadFlywheelConfig('default', {});
const candidate = base.nims[0] as CandidateModel;
const gsm8k = { type: 'gsm8k', limit_samples: 10, params: {} };
const ifeval = { type: 'ifeval', limit_samples: 5, params: {} };
const gated = (gate: Partial<FlywheelConfig['regression_gate']>): FlywheelConfig => ({
  ...base,
  regression_gate: { ...base.regression_gate, enabled: true, benchmarks: [gsm8k], candidates: {}, ...gate },
});

test('a gate that is off, or absent in an older config, runs none', () => {
  expect(benchmarksFor({ ...base, regression_gate: { ...base.regression_gate, enabled: false } }, candidate)).toEqual(
    [],
  );
  expect(benchmarksFor({ ...base, regression_gate: undefined } as unknown as FlywheelConfig, candidate)).toEqual([]);
});

test('a candidate that is not customized runs none', () => {
  expect(benchmarksFor(gated({}), { ...candidate, customization_enabled: false })).toEqual([]);
});

test('a customized candidate runs the shared list unless it has its own', () => {
  expect(benchmarksFor(gated({}), candidate)).toEqual([gsm8k]);
  const own = gated({ candidates: { [candidate.model_name]: [ifeval] } });
  expect(benchmarksFor(own, candidate)).toEqual([ifeval]);
  expect(benchmarksFor(own, { ...candidate, model_name: 'someone/else' })).toEqual([gsm8k]);
});
