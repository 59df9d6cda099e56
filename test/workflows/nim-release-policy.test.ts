import { loadFlywheelConfig } from '../../config/load';
import type { FlywheelConfig } from '../../config/schema';
import { expectedTrainingMs, nimDuringTraining } from '../../workflows/nim-release-policy';

// Hold or release a candidate's NIM while its LoRA trains: the arithmetic of gpu_policy.

const base = loadFlywheelConfig('default', {});
const withPolicy = (policy: Partial<FlywheelConfig['gpu_policy']>): FlywheelConfig => ({
  ...base,
  gpu_policy: { ...base.gpu_policy, ...policy },
});

test('expected training time is the fixed part plus records × epochs × the per-record cost', () => {
  const config = {
    ...withPolicy({ expected_training_base_ms: 1_000, expected_training_ms_per_record_epoch: 3 }),
    training_config: { ...base.training_config, epochs: 4 },
  };
  expect(expectedTrainingMs(config, 0)).toBe(1_000);
  expect(expectedTrainingMs(config, 250)).toBe(1_000 + 250 * 4 * 3);
});

describe('auto', () => {
  const config = withPolicy({ nim_release: 'auto', expected_deployment_ms: 10_000 });

  test('releases when the training left outlasts a redeploy, redeploying in time for its end', () => {
    expect(nimDuringTraining({ config, trainingHeld: true, remainingTrainingMs: 25_000 })).toMatchObject({
      action: 'release',
      redeployAfterMs: 15_000,
    });
  });

  test('holds when a redeploy would take as long as the training left', () => {
    for (const remaining of [10_000, 2_000]) {
      expect(nimDuringTraining({ config, trainingHeld: true, remainingTrainingMs: remaining })).toMatchObject({
        action: 'hold',
        redeployAfterMs: 0,
      });
    }
  });

  test('holds when the training time left is not known yet', () => {
    expect(nimDuringTraining({ config, trainingHeld: true, remainingTrainingMs: undefined }).action).toBe('hold');
  });
});

test('the fixed policies do what they say once the training GPUs are held', () => {
  const hold = nimDuringTraining({
    config: withPolicy({ nim_release: 'hold' }),
    trainingHeld: true,
    remainingTrainingMs: 1e9,
  });
  expect(hold).toMatchObject({ action: 'hold', redeployAfterMs: 0 });
  const release = nimDuringTraining({
    config: withPolicy({ nim_release: 'release', expected_deployment_ms: 500 }),
    trainingHeld: true,
    remainingTrainingMs: 200,
  });
  expect(release).toMatchObject({ action: 'release', redeployAfterMs: 0 });
});

test('without the training GPUs the NIM is released whatever the policy (holding could deadlock)', () => {
  for (const nim_release of ['hold', 'release', 'auto'] as const) {
    const decision = nimDuringTraining({
      config: withPolicy({ nim_release }),
      trainingHeld: false,
      remainingTrainingMs: 0,
    });
    expect(decision).toMatchObject({ action: 'release', redeployAfterMs: 0 });
    expect(decision.why).toMatch(/deadlock/);
  }
});
