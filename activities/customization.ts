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

export interface CustomizationDeps {
  results: ResultsStore;
  nemo: NemoFactory;
}

interface Resume {
  remoteJobId?: string;
}

export function createCustomizationActivities({ results, nemo }: CustomizationDeps) {
  return {
    /**
     * LoRA fine-tuning of one candidate on the run's training set. A retry resumes the same
     * Customizer job (from the heartbeat, else found again by its key in `custom_fields`
     * among the jobs on the run's training dataset); after a failed job a reset or new run
     * makes a fresh one. Cancelling the activity cancels the remote job. The customized model
     * is the name the Customizer answered with, usable once the NIM serves it.
     */
    async runCustomization(input: {
      jobId: string;
      workloadId: string;
      candidate: CandidateModel;
      datasetName: string;
      config: FlywheelConfig;
      /**
       * Wait for the NIM to serve the adapter before returning (default). False when the NIM may
       * be released while training: waitForModelServed then runs once it is deployed again.
       */
      waitServed?: boolean;
    }): Promise<{ customizedModel: string }> {
      const { jobId, candidate, config } = input;
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
              training_type: config.training_config.training_type,
              finetuning_type: config.training_config.finetuning_type,
              num_gpus: customizer.gpus,
              num_nodes: customizer.num_nodes,
              tensor_parallel_size: customizer.tensor_parallel_size,
              data_parallel_size: customizer.data_parallel_size,
              use_sequence_parallel: customizer.use_sequence_parallel,
              micro_batch_size: customizer.micro_batch_size,
            },
          ],
          // checked against the SDK's precision enum by the client (a permanent error names it)
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
              training_type: config.training_config.training_type,
              finetuning_type: config.training_config.finetuning_type,
              epochs: config.training_config.epochs,
              batch_size: config.training_config.batch_size,
              learning_rate: config.training_config.learning_rate,
              lora: config.training_config.lora,
            },
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

      // The Customizer's own name for the result (its job may have named it only now).
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
      // The adapter is usable once the NIM proxy lists the customized model (after its sync).
      if (input.waitServed !== false) {
        await waitServed(client, customizedModel, config, { remoteJobId: remote.id, progress: 100 });
      }
      await results.updateCustomization(docId, {
        status: 'completed',
        progress: 100,
        finished_at: new Date(),
        runtime_seconds: (Date.now() - started.getTime()) / 1000,
      });
      return { customizedModel };
    },

    /** Waits until the NIM proxy serves `model` (a customized adapter on its redeployed NIM). */
    async waitForModelServed(input: { model: string; config: FlywheelConfig }): Promise<void> {
      await waitServed(nemo(input.config), input.model, input.config, { model: input.model });
    },
  };
}

async function waitServed(
  client: ReturnType<NemoFactory>,
  model: string,
  config: FlywheelConfig,
  details: Record<string, unknown>,
): Promise<void> {
  await pollUntilDone({
    read: async () => (await client.nim.listModelIds()).includes(model),
    headway: () => 0,
    done: (served) => served,
    failed: () => undefined,
    heartbeat: () => details,
    name: 'served',
    stalledBecause: () => `${model} never appeared in the NIM proxy's model list`,
    intervalMs: config.timing.poll_interval_ms,
    stallTimeoutMs: config.timing.deployment_timeout_ms,
  });
}
