import { Context } from '@temporalio/activity';
import { loadFlywheelConfig } from '../config/load';
import { type FlywheelConfig, FlywheelConfigSchema } from '../config/schema';
import type { ResultsStore } from '../stores/results/results-store';
import { deleteMlflowRuns } from './mlflow-tracking';
import type { NemoFactory } from './nemo-factory';

export interface DeletionDeps {
  results: ResultsStore;
  nemo: NemoFactory;
  loadConfig?: (name?: string) => FlywheelConfig;
  mlflowUri?: string;
}

type Outcome = { deleted: string[]; failed: { artifact: string; error: string }[] };

export function createDeletionActivities({ results, nemo, loadConfig = loadFlywheelConfig, mlflowUri }: DeletionDeps) {
  return {
    /**
     * Deletes a run's NeMo artifacts: customized models, evaluation jobs, datasets. Each one
     * is attempted, then the job's MLflow runs when tracking is on; what fails is returned (not
     * thrown) so one stuck artifact does not hide
     * the others. Already-absent artifacts count as deleted.
     */
    async deleteRunArtifacts(input: { jobId: string }): Promise<Outcome> {
      const run = await results.getRun(input.jobId);
      if (!run) return { deleted: [], failed: [] };
      // The config the run resolved (with its split override); a run from before configs were
      // stored falls back to its named config as it is now.
      const stored = await results.getRunConfig(input.jobId);
      const config = stored ? FlywheelConfigSchema.parse(stored) : loadConfig(run.config_name ?? undefined);
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const outcome: Outcome = { deleted: [], failed: [] };
      const attempt = async (artifact: string, remove: () => Promise<unknown>) => {
        Context.current().heartbeat({ artifact });
        try {
          await remove();
          outcome.deleted.push(artifact);
        } catch (err) {
          outcome.failed.push({ artifact, error: (err as Error).message });
        }
      };

      const { customizations, evaluations } = await results.findRunSteps(input.jobId);
      for (const c of customizations) {
        const model = c.customized_model;
        if (model && c.status === 'completed') {
          await attempt(`model ${model}`, () => client.entityStore.deleteModel(model));
        }
      }
      for (const e of evaluations) {
        const jobId = e.job_id;
        if (jobId) await attempt(`evaluation job ${jobId}`, () => client.evaluator.deleteJob(jobId));
      }
      for (const d of run.datasets) {
        await attempt(`dataset ${namespace}/${d.name}`, async () => {
          await client.datastore.deleteRepo(namespace, d.name);
          await client.entityStore.deleteDataset(namespace, d.name);
        });
      }
      if (mlflowUri) {
        Context.current().heartbeat({ artifact: 'mlflow runs' });
        try {
          outcome.deleted.push(...(await deleteMlflowRuns(mlflowUri, run)));
        } catch (err) {
          outcome.failed.push({ artifact: 'mlflow runs', error: (err as Error).message });
        }
      }
      return outcome;
    },

    async recordDeletionFailures(input: { jobId: string; failed: { artifact: string; error: string }[] }) {
      const what = input.failed.map((f) => `${f.artifact} (${f.error})`).join('; ');
      await results.setRunError(input.jobId, `deletion incomplete: ${what}`);
    },

    async deleteRunDocuments(input: { jobId: string }) {
      return results.deleteRunDocuments(input.jobId);
    },
  };
}
