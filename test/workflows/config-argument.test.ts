import { loadFlywheelConfig } from '../../config/load';
import { configArgument } from '../../workflows/config-argument';

// How a run hands its config to activities: a reference for runs that stored it, else a copy.

const config = loadFlywheelConfig('default', {});

test('a run that stored its config passes a reference by its job id, not the config', () => {
  const argument = configArgument({ jobId: 'job-1', config, configByReference: true });
  expect(argument).toEqual({ configRef: 'job-1' });
  expect(JSON.stringify(argument).length).toBeLessThan(40);
});

test('an older run (no flag, or false) passes its own copy', () => {
  expect(configArgument({ jobId: 'job-2', config })).toEqual({ config });
  expect(configArgument({ jobId: 'job-2', config, configByReference: false })).toEqual({ config });
});
