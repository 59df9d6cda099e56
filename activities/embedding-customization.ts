import { activityInfo } from '@temporalio/activity';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import { NemoPermanentError, QUEUED_STATUSES } from '../nemo-client';
import { type CustomizationConfig, customizationFailureReason, lacksResources } from '../nemo-client/customizer';
import { datasetFilesUrl } from '../nemo-client/entity-store';
import type { ResultsStore } from '../stores/results/results-store';
import { customizationId, nimId } from '../stores/results/schema';
import { cancelRemoteOnCancellation } from './cancel-remote';
import { heartbeat } from './heartbeat';
import { customizationConfigName, customizationJobKey, customizedModelName, runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';
import { pollUntilDone } from './poll';

// Fine-tuning one candidate embedding model with NeMo Customizer on the run's retrieval
// training set (query, pos_doc, neg_doc rows): SFT with merged LoRA or all weights, and the
// embedding-only dataset parameters. Resumed and cancelled like an LLM customization.

interface Resume {
  remoteJobId?: string;
}

export function createEmbeddingCustomizationActivities({
  results,
  nemo,
}: {
  results: ResultsStore;
  nemo: NemoFactory;
}) {
  return {
    async runEmbeddingCustomization(input: {
      jobId: string;
      workloadId: string;
      candidate: CandidateModel;
      datasetName: string;
      config: FlywheelConfig;
    }): Promise<{ customizedModel: string }> {
      const { jobId, candidate, config } = input;
      const training = config.embedding_training_config;
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const docId = customizationId(nimId(jobId, candidate.model_name));
      await results.startCustomization(jobId, input.workloadId, candidate.model_name);
      const started = (await results.getCustomization(docId))?.started_at ?? new Date();
      const info = activityInfo();
      const resumed = (info.heartbeatDetails as Resume | undefined)?.remoteJobId;
      const found = resumed ? await client.customizer.getJob(resumed) : undefined;
      const remote = found ?? (await ensureJob());
      async function ensureJob() {
        const customizer = candidate.customizer_configs;
        if (!customizer) throw new Error(`${candidate.model_name} has customization enabled but no customizer_configs`);
        const configName = customizationConfigName(candidate.model_name);
        await client.customizer.ensureConfig({
          name: configName,
          namespace,
          target: customizer.target,
          training_options: [
            {
              training_type: training.training_type,
              finetuning_type: training.finetuning_type,
              num_gpus: customizer.gpus,
              num_nodes: customizer.num_nodes,
              tensor_parallel_size: customizer.tensor_parallel_size,
              micro_batch_size: customizer.micro_batch_size,
            },
          ],
          training_precision: customizer.training_precision as CustomizationConfig['training_precision'],
          max_seq_length: customizer.max_seq_length,
        });
        const { job } = await client.customizer.ensureJob(
          {
            namespace,
            output_model: customizedModelName(namespace, jobId, candidate.model_name),
            config: `${namespace}/${configName}`,
            dataset: { name: input.datasetName, namespace },
            hyperparameters: {
              training_type: training.training_type,
              finetuning_type: training.finetuning_type,
              epochs: training.epochs,
              batch_size: training.batch_size,
              learning_rate: training.learning_rate,
              ...(training.finetuning_type === 'lora_merged' ? { lora: training.lora } : {}),
            },
            dataset_parameters: { num_hard_negatives: config.retrieval_config.num_hard_negatives },
          },
          {
            base: customizationJobKey(jobId, candidate.model_name),
            generation: runGeneration(info),
            datasetFilesUrl: datasetFilesUrl(namespace, input.datasetName),
          },
        );
        return job;
      }
      heartbeat({ remoteJobId: remote.id } satisfies Resume);
      await results.updateCustomization(docId, {
        job_id: remote.id,
        status: 'running',
        nmp_uri: client.customizer.jobUri(remote.id),
        customized_model: remote.output_model,
      });
      await cancelRemoteOnCancellation(
        () =>
          pollUntilDone({
            read: () => client.customizer.getStatus(remote.id),
            headway: (s) => s.percentage_done * 1e6 + s.steps_completed,
            done: (s) => s.status === 'completed',
            failed: (s) =>
              s.status === 'failed' || s.status === 'cancelled'
                ? `customization ${s.status}: ${customizationFailureReason(s)}`
                : undefined,
            progress: {
              of: (s) => ({
                progress: s.percentage_done,
                epochs_completed: s.epochs_completed,
                steps_completed: s.steps_completed,
                runtime_seconds: (Date.now() - started.getTime()) / 1000,
              }),
              write: (patch) => results.updateCustomization(docId, patch),
            },
            heartbeat: (s) => ({ remoteJobId: remote.id, progress: s.percentage_done }),
            queued: (s) => QUEUED_STATUSES.has(s.status),
            stalledBecause: (s) =>
              lacksResources(s) ? 'insufficient GPU resources (NotEnoughResources)' : `last status ${s.status}`,
            intervalMs: config.timing.poll_interval_ms,
            stallTimeoutMs: config.timing.job_stall_timeout_ms,
            queueTimeoutMs: config.timing.queue_timeout_ms,
          }),
        async () => {
          await client.customizer.cancelJob(remote.id);
          await results.updateCustomization(docId, {
            status: 'cancelled',
            error: 'Flywheel run cancelled',
            finished_at: new Date(),
          });
        },
      );
      const finished = await client.customizer.getJob(remote.id);
      if (!finished) {
        throw new NemoPermanentError('customization job vanished after completing', {
          method: 'GET',
          path: `/v1/customization/jobs/${remote.id}`,
          status: 404,
        });
      }
      const customizedModel = finished.output_model;
      await results.updateCustomization(docId, { customized_model: customizedModel });
      // Usable once the NIM proxy serves the tuned embedder.
      await pollUntilDone({
        read: async () => (await client.nim.listModelIds()).includes(customizedModel),
        headway: () => 0,
        done: (served) => served,
        failed: () => undefined,
        heartbeat: () => ({ remoteJobId: remote.id, progress: 100 }),
        name: 'served',
        stalledBecause: () => `${customizedModel} never appeared in the NIM proxy's model list`,
        intervalMs: config.timing.poll_interval_ms,
        stallTimeoutMs: config.timing.deployment_timeout_ms,
      });
      await results.updateCustomization(docId, {
        status: 'completed',
        progress: 100,
        finished_at: new Date(),
        runtime_seconds: (Date.now() - started.getTime()) / 1000,
      });
      return { customizedModel };
    },
  };
}
