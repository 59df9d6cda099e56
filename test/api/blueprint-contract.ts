// The Blueprint's response enums, value for value from its src/api/schemas.py
// (NVIDIA-AI-Blueprints/data-flywheel), written out here rather than imported from Flywheel's
// own modules, so the contract test checks the API against the Blueprint and not against itself.
// `cancelling` is in one Blueprint version's DeploymentStatus and not in another's, so it is
// left out: only values every version accepts pass.

export const BLUEPRINT = {
  FlywheelRunStatus: ['pending', 'running', 'completed', 'cancelled', 'failed'],
  NIMRunStatus: ['pending', 'deploying-nim', 'running-evals', 'cancelled', 'completed', 'failed'],
  DeploymentStatus: ['created', 'pending', 'running', 'cancelled', 'failed', 'completed', 'ready', 'unknown'],
  EvalType: ['base-eval', 'icl-eval', 'customized-eval'],
  JudgeType: ['remote', 'local'],
} as const;

interface Detail {
  status: string;
  llm_judge: { type: string; deployment_status: string } | null;
  nims: { model_name: string; status: string; deployment_status: string; evaluations: { eval_type: string }[] }[];
}

/** Every Blueprint enum field of one job-detail snapshot, with the value it holds where it breaks the contract. */
export function blueprintViolations(detail: Detail): string[] {
  const out: string[] = [];
  const check = (path: string, value: string, allowed: readonly string[]) => {
    if (!allowed.includes(value)) out.push(`${path} = ${JSON.stringify(value)}`);
  };
  check('status', detail.status, BLUEPRINT.FlywheelRunStatus);
  if (detail.llm_judge) {
    check('llm_judge.type', detail.llm_judge.type, BLUEPRINT.JudgeType);
    check('llm_judge.deployment_status', detail.llm_judge.deployment_status, BLUEPRINT.DeploymentStatus);
  }
  detail.nims.forEach((nim, i) => {
    check(`nims[${i}].status`, nim.status, BLUEPRINT.NIMRunStatus);
    check(`nims[${i}].deployment_status`, nim.deployment_status, BLUEPRINT.DeploymentStatus);
    nim.evaluations.forEach((e, j) => {
      check(`nims[${i}].evaluations[${j}].eval_type`, e.eval_type, BLUEPRINT.EvalType);
    });
  });
  return out;
}
