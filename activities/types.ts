import type { createActivities } from './index';

/** Every activity's signature, for `proxyActivities` in workflow code (type-only import). */
export type FlywheelActivities = ReturnType<typeof createActivities>;
