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

export const customizationJobName = (jobId: string, modelName: string) => `flywheel-${jobId}-${slug(modelName)}`;

export const evaluationJobName = (jobId: string, modelName: string, evalType: string) =>
  `flywheel-${jobId}-${slug(modelName)}-${evalType}`;

/** The customization config name upstream derives: `<name after the slash>@v1.0.0+dfw`. */
export const customizationConfigName = (modelName: string) => `${modelName.split('/')[1] ?? modelName}@v1.0.0+dfw`;

/** Upstream's output model naming: `{ns}/customized-<model with / as ->`, made unique per run. */
export const customizedModelName = (namespace: string, jobId: string, modelName: string) =>
  `${namespace}/customized-${slug(modelName)}-${jobId.slice(-8)}`;
