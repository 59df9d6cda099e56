import { createCustomizationActivities } from './customization';
import { createDatasetActivities } from './datasets';
import { createDeletionActivities } from './deletion';
import { createDeploymentActivities } from './deployment';
import type { ActivityDeps } from './deps';
import { createEvaluationActivities } from './evaluation';
import { createGpuBudgetActivities } from './gpu-budget';
import { withSteadyHeartbeat } from './heartbeat';
import { createJudgeActivities } from './judge';
import type { NemoFactory } from './nemo';
import { createRunLifecycleActivities } from './run-lifecycle';
import { createSmokeActivities } from './smoke';

/** Every activity the worker registers, built from the clients it is given. */
export function createActivities(deps: ActivityDeps & { nemo: NemoFactory }) {
  const deployment = createDeploymentActivities(deps);
  const evaluation = createEvaluationActivities(deps);
  const customization = createCustomizationActivities(deps);
  const judge = createJudgeActivities(deps);
  return {
    ...createSmokeActivities(),
    ...createRunLifecycleActivities(deps),
    ...createDatasetActivities(deps),
    ...createGpuBudgetActivities(deps),
    ...deployment,
    ...evaluation,
    ...customization,
    ...judge,
    // the long NeMo waits heartbeat on a timer, whatever their status reads and store writes cost
    deployCandidate: withSteadyHeartbeat(deployment.deployCandidate),
    teardownDeployment: withSteadyHeartbeat(deployment.teardownDeployment),
    runEvaluation: withSteadyHeartbeat(evaluation.runEvaluation),
    runCustomization: withSteadyHeartbeat(customization.runCustomization),
    prepareJudge: withSteadyHeartbeat(judge.prepareJudge),
    teardownJudge: withSteadyHeartbeat(judge.teardownJudge),
    ...createDeletionActivities(deps),
  };
}
