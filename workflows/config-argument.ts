import type { ConfigOrReference } from '../activities/config-reference';
import type { FlywheelConfig } from '../config/schema';

/** How a run's activities get its config: by reference for runs that stored it, a copy for older runs. */
export function configArgument(run: {
  jobId: string;
  config: FlywheelConfig;
  configByReference?: boolean;
}): ConfigOrReference {
  return run.configByReference ? { configRef: run.jobId } : { config: run.config };
}
