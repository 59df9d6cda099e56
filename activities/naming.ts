// Deterministic names for everything a run creates remotely, so a retried activity finds
// what an earlier attempt created instead of creating it twice.

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** DMS deployment of a candidate for one run (runs never share a deployment). */
export const deploymentName = (jobId: string, modelName: string) =>
  `fw-${jobId.slice(-8)}-${slug(modelName)}`.slice(0, 63);

/**
 * A NIM shared by every run that needs the same model, image tag and GPU count at the same time
 * (gpu_policy.share_nims): found again by name, created by whichever of them comes first.
 */
export const sharedDeploymentName = (modelName: string, tag: string, gpus: number) =>
  `fw-shared-${slug(modelName)}-${slug(tag)}-${gpus}g`.slice(0, 63).replace(/-+$/, '');

/**
 * The find-again key of a candidate's customization job (its `custom_fields`, and its name).
 * A fresh generation after a failed job appends the workflow run id (nemo-client/find-again.ts).
 */
export const customizationJobKey = (jobId: string, modelName: string) => `flywheel-${jobId}-${slug(modelName)}`;

/** The find-again key of one evaluation job (evaluation jobs have no name: `custom_fields` only). */
export const evaluationJobKey = (jobId: string, modelName: string, evalType: string) =>
  `flywheel-${jobId}-${slug(modelName)}-${evalType}`;

/** The customization config name upstream derives: `<name after the slash>@v1.0.0+dfw`. */
export const customizationConfigName = (modelName: string) => `${modelName.split('/')[1] ?? modelName}@v1.0.0+dfw`;

/**
 * The output model Flywheel asks for (upstream's `{ns}/customized-<model>`, unique per run).
 * The Customizer answers with its own name for it (this plus a suffix), which is what is used.
 */
export const customizedModelName = (namespace: string, jobId: string, modelName: string) =>
  `${namespace}/customized-${slug(modelName)}-${jobId.slice(-8)}`;

/** What tells one workflow run from another (a reset or a new run of the same job gets a new one). */
export const runGeneration = (info: { workflowExecution?: { runId: string }; activityId: string }) =>
  info.workflowExecution?.runId ?? info.activityId;
