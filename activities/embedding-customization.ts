import { activityInfo } from '@temporalio/activity';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { CustomizationConfig } from '../nemo-client/customizer';
import { datasetFilesUrl } from '../nemo-client/entity-store';
import type { ResultsStore } from '../stores/results/results-store';
import { customizationId, nimId } from '../stores/results/schema';
import { completeCustomization, pollCustomizationJob, waitServed } from './customization-job';
import { customizationConfigName, customizationJobKey, customizedModelName, runGeneration } from './naming';
import type { NemoFactory } from './nemo-factory';

// Fine-tuning one candidate embedding model with NeMo Customizer on the run's retrieval
// training set (query, pos_doc, neg_doc rows): SFT with merged LoRA or all weights, and the
// embedding-only dataset parameters. Resumed and cancelled like an LLM customization (one
// pollCustomizationJob serves both).

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
      const job = await pollCustomizationJob({ client, results, config, docId, started }, ensureJob);
      const { remoteJobId, customizedModel } = job;
      // Usable once the NIM proxy serves the tuned embedder.
      await waitServed(client, customizedModel, config, { remoteJobId, progress: 100 });
      await completeCustomization(results, docId, started);
      return { customizedModel };
    },
  };
}
