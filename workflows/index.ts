export { candidateRun } from './candidate-run';
export { deleteRun } from './delete-run';
export { flywheelRun } from './flywheel-run';
export { gpuBudget } from './gpu-budget';
export { smokeWorkflow } from './smoke';
