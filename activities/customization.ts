import { activityInfo } from '@temporalio/activity';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { CustomizationConfig } from '../nemo-client/customizer';
import { datasetFilesUrl } from '../nemo-client/entity-store';
import type { ResultsStore } from '../stores/results/results-store';
import { customizationId, nimId } from '../stores/results/schema';
import { completeCustomization, pollCustomizationJob, waitServed } from './customization-job';
import { customizationConfigName, customizationJobKey, customizedModelName, runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';

export interface CustomizationDeps {
  results: ResultsStore;
  nemo: NemoFactory;
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
      const job = await pollCustomizationJob({ client, results, config, docId, started }, ensureJob);
      const { remoteJobId, customizedModel } = job;
      // The adapter is usable once the NIM proxy lists the customized model (after its sync).
      if (input.waitServed !== false) {
        await waitServed(client, customizedModel, config, { remoteJobId, progress: 100 });
      }
      await completeCustomization(results, docId, started);
      return { customizedModel };
    },

    /** Waits until the NIM proxy serves `model` (a customized adapter on its redeployed NIM). */
    async waitForModelServed(input: { model: string; config: FlywheelConfig }): Promise<void> {
      await waitServed(nemo(input.config), input.model, input.config, { model: input.model });
    },
  };
}
