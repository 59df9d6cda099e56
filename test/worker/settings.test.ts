import { deploymentVersionOf, readWorkerSettings } from '../../worker/settings';

// The worker's own environment: versioning, telemetry and the GPU ledger id.

describe('worker settings', () => {
  test('unset, the worker is unversioned, serves metrics on a free port and uses the namespace ledger', () => {
    const settings = readWorkerSettings({});
    expect(settings).toMatchObject({
      FLYWHEEL_DEPLOYMENT_NAME: 'flywheel',
      FLYWHEEL_WORKER_PROMOTE: false,
      FLYWHEEL_WORKER_METRICS_PORT: 0,
      FLYWHEEL_WORKER_METRICS_HOST: '127.0.0.1',
      FLYWHEEL_GPU_LEDGER_ID: 'flywheel-gpu-ledger',
    });
    expect(deploymentVersionOf(settings)).toBeUndefined();
  });

  test('a build id makes it a version of the deployment', () => {
    const settings = readWorkerSettings({
      FLYWHEEL_BUILD_ID: '1.4.0-rc.1',
      FLYWHEEL_DEPLOYMENT_NAME: 'flywheel-prod',
      FLYWHEEL_WORKER_PROMOTE: 'true',
      FLYWHEEL_WORKER_METRICS_PORT: '9464',
    });
    expect(deploymentVersionOf(settings)).toEqual({ deploymentName: 'flywheel-prod', buildId: '1.4.0-rc.1' });
    expect(settings.FLYWHEEL_WORKER_PROMOTE).toBe(true);
    expect(settings.FLYWHEEL_WORKER_METRICS_PORT).toBe(9464);
  });

  test.each([
    [{ FLYWHEEL_BUILD_ID: 'has space' }, /FLYWHEEL_BUILD_ID: letters, digits/],
    [{ FLYWHEEL_DEPLOYMENT_NAME: 'flywheel.prod' }, /FLYWHEEL_DEPLOYMENT_NAME: .*no "\."/],
    [{ FLYWHEEL_WORKER_PROMOTE: 'yes' }, /FLYWHEEL_WORKER_PROMOTE/],
    [{ FLYWHEEL_WORKER_METRICS_PORT: '70000' }, /FLYWHEEL_WORKER_METRICS_PORT/],
    [{ FLYWHEEL_GPU_LEDGER_ID: 'flywheel-gpu-budget-flywheel' }, /FLYWHEEL_GPU_LEDGER_ID: must not start with/],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => readWorkerSettings(env)).toThrow(message);
  });
});
