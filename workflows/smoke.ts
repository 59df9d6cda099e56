import { proxyActivities } from '@temporalio/workflow';
import type { SmokeActivities } from '../activities/smoke';

const { greet } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10 seconds' });

/** The smallest end-to-end check of the stack: one workflow, one activity. */
export async function smokeWorkflow(name: string): Promise<string> {
  return await greet(name);
}
