import { ApplicationFailure } from '@temporalio/activity';
import { jobCandidates } from '../config/job-candidates';
import { ConfigError, loadFlywheelConfig } from '../config/load';
import { runConfig } from '../config/merge-data-split';
import type { FlywheelConfig } from '../config/schema';
import type { CandidateStatus } from '../contracts';
import { runsFinished } from '../observability/metrics';
import type { ResultsStore } from '../stores/results/results-store';
import type { FlywheelRunInput } from '../workflows/contract';

export interface RunLifecycleDeps {
  results: ResultsStore;
  loadConfig?: (name?: string) => FlywheelConfig;
}

export function createRunLifecycleActivities({ results, loadConfig = loadFlywheelConfig }: RunLifecycleDeps) {
  return {
    /**
     * Resolves the run's config (named config + per-job split override) and creates the
     * run's documents. Returned to the workflow, so the config a run used is in its history,
     * and stored once, so later activities can take it by reference (`configRef`).
     */
    async initializeRun(input: FlywheelRunInput & { jobId: string; workflowId: string; workflowRunId?: string }) {
      let config: FlywheelConfig;
      try {
        config = runConfig(
          loadConfig(input.configName),
          input.dataSplitConfig,
          `config "${input.configName ?? 'default'}" with this job's override`,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await results.createRun(runInit(input));
        await results.finishRun(input.jobId, 'failed', { error: message });
        throw ApplicationFailure.nonRetryable(message, err instanceof ConfigError ? 'ConfigError' : 'Error');
      }
      const candidates = jobCandidates(config, input.jobType);
      if (candidates.length === 0) {
        const message = `config "${input.configName ?? 'default'}" has no embedding_nims: an embedding_job needs at least one embedding candidate`;
        await results.createRun(runInit(input));
        await results.finishRun(input.jobId, 'failed', { error: message });
        throw ApplicationFailure.nonRetryable(message, 'ConfigError');
      }
      await results.createRun(runInit(input));
      await results.saveRunConfig(input.jobId, config);
      if (input.workflowRunId) await results.reopenRun(input.jobId, input.workflowRunId);
      await results.updateRun(input.jobId, {
        status: 'running',
        workflow_id: input.workflowId,
        ...(input.workflowRunId ? { workflow_run_id: input.workflowRunId } : {}),
        candidates_total: candidates.length,
        candidate_models: candidates.map((n) => n.model_name),
      });
      for (const nim of candidates) await results.createNim(input.jobId, nim.model_name);
      // Retrieval metrics need no judge: an embedding_job has none.
      if (input.jobType === 'embedding_job') return { config };
      const judge = config.llm_judge_config;
      await results.upsertJudge(input.jobId, {
        model_name: judge.model_name,
        deployment_type: judge.deployment_type,
        deployment_status: judge.deployment_type === 'remote' ? 'ready' : 'created',
        error: null,
      });
      return { config };
    },

    async markCandidateStatus(input: { jobId: string; modelName: string; status: CandidateStatus }) {
      const fields: Parameters<ResultsStore['updateNim']>[2] = { status: input.status };
      if (input.status === 'deploying-nim') fields.started_at = new Date();
      await results.updateNim(input.jobId, input.modelName, fields);
    },

    async recordStepFailure(input: { jobId: string; modelName: string; step: string; error: string }) {
      const nim = `${input.jobId}:${input.modelName}`;
      const id = input.step === 'customization' ? `${nim}:customization` : `${nim}:${input.step}`;
      const fields = { status: 'failed' as const, error: input.error, finished_at: new Date() };
      if (input.step === 'customization') await results.updateCustomization(id, fields);
      else await results.updateEvaluation(id, fields);
    },

    async finishCandidate(input: {
      jobId: string;
      modelName: string;
      status: 'completed' | 'failed' | 'cancelled';
      error: string | null;
    }) {
      const nim = (await results.findNims(input.jobId)).find((n) => n.model_name === input.modelName);
      const runtime = nim?.started_at ? (Date.now() - nim.started_at.getTime()) / 1000 : 0;
      await results.finishNim(input.jobId, input.modelName, input.status, input.error, { runtime_seconds: runtime });
    },

    /** Ends the run (first terminal write wins) and closes any step left open. */
    async finalizeRun(input: {
      jobId: string;
      status: 'completed' | 'failed' | 'cancelled';
      error: string | null;
      candidatesFailed: number;
      cancelReason: string | null;
    }) {
      await results.closeRun(input.jobId, input.status, input.error ?? `run ${input.status}`, {
        error: input.error,
        candidates_failed: input.candidatesFailed,
        cancel_reason: input.cancelReason,
      });
      runsFinished.inc({ status: input.status });
    },
  };
}

function runInit(input: FlywheelRunInput & { jobId: string; workflowId: string }) {
  return {
    _id: input.jobId,
    workload_id: input.workloadId,
    client_id: input.clientId,
    workflow_id: input.workflowId,
    config_name: input.configName ?? null,
    schedule_id: input.scheduleId ?? null,
    ...(input.jobType ? { job_type: input.jobType } : {}),
  };
}
