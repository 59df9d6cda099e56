import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import type { FlywheelConfig } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';
import { createDeploymentActivities } from './deployment';
import type { NemoFactory } from './nemo-factory';

const JUDGE_PROBE_ATTEMPTS = 3;

export interface JudgeDeps {
  results: ResultsStore;
  nemo: NemoFactory;
  /** Reads the remote judge's API key (never from YAML). */
  judgeApiKey?: () => string | undefined;
}

/**
 * The LLM judge for a run. A remote judge is probed once; a local one is deployed for this run
 * and torn down at its end (upstream deployed it at process boot and never removed it).
 */
export function createJudgeActivities({
  results,
  nemo,
  judgeApiKey = () => process.env.LLM_JUDGE_API_KEY ?? process.env.NVIDIA_API_KEY,
}: JudgeDeps) {
  const deployments = createDeploymentActivities({ results, nemo });
  const asCandidate = (config: FlywheelConfig) => {
    const judge = config.llm_judge_config;
    if (judge.deployment_type !== 'local') throw new Error('not a local judge');
    return {
      model_name: judge.model_name,
      tag: judge.tag,
      context_length: judge.context_length,
      gpus: judge.gpus,
      pvc_size: judge.pvc_size,
      registry_base: judge.registry_base,
      customization_enabled: false,
      model_type: 'llm' as const,
    };
  };

  return {
    async prepareJudge(input: { jobId: string; config: FlywheelConfig }): Promise<void> {
      const judge = input.config.llm_judge_config;
      if (judge.deployment_type === 'remote') {
        try {
          await nemo(input.config)
            .endpoint(judge.url, judgeApiKey())
            .chat({ model: judge.model_name, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
        } catch (err) {
          const message = `LLM judge ${judge.model_name} at ${judge.url} is not answering: ${(err as Error).message}`;
          await results.upsertJudge(input.jobId, {
            model_name: judge.model_name,
            deployment_type: 'remote',
            deployment_status: 'failed',
            error: message,
          });
          // A few attempts ride out a blip; after that the run fails with a clear reason.
          if (activityInfo().attempt < JUDGE_PROBE_ATTEMPTS) throw new Error(message);
          throw ApplicationFailure.nonRetryable(message, 'JudgeUnavailable');
        }
        return;
      }
      await results.upsertJudge(input.jobId, {
        model_name: judge.model_name,
        deployment_type: 'local',
        deployment_status: 'pending',
        error: null,
      });
      await deployments.deployCandidate({
        jobId: input.jobId,
        candidate: asCandidate(input.config),
        config: input.config,
      });
      await results.upsertJudge(input.jobId, {
        model_name: judge.model_name,
        deployment_type: 'local',
        deployment_status: 'ready',
        error: null,
      });
    },

    async teardownJudge(input: { jobId: string; config: FlywheelConfig }): Promise<void> {
      if (input.config.llm_judge_config.deployment_type !== 'local') return;
      await deployments.teardownDeployment({
        jobId: input.jobId,
        candidate: asCandidate(input.config),
        config: input.config,
      });
      await results.setJudgeDeploymentStatus(input.jobId, 'deleted');
    },
  };
}
