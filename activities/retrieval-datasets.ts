import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FlywheelConfig } from '../config/schema';
import { DatasetError } from '../pipeline/errors';
import {
  buildRetrievalDatasets,
  type RetrievalDatasetNames,
  type RetrievalReport,
  retrievalDatasetNames,
} from '../pipeline/retrieval-dataset';
import { documentIdOf, exportLogPages } from '../stores/log-export';
import type { DatasetRef } from '../stores/results/schema';
import type { ActivityDeps } from './deps';
import type { NemoFactory } from './nemo-factory';
import { retryTransient } from './transient-retry';

// An embedding_job's datasets: the workload's retrieval logs → a BEIR eval set of held-out
// queries and a training set of the others (pipeline/retrieval-dataset.ts), uploaded under
// names fixed by the run, so a retry replaces what an earlier attempt uploaded.

export interface CreateRetrievalDatasetsResult {
  numRecords: number;
  datasets: RetrievalDatasetNames;
  report: RetrievalReport;
}

export function createRetrievalDatasetActivities({
  elasticsearch,
  logIndex,
  results,
  nemo,
}: Pick<ActivityDeps, 'elasticsearch' | 'logIndex' | 'results'> & { nemo: NemoFactory }) {
  return {
    async createRetrievalDatasets(input: {
      jobId: string;
      workloadId: string;
      clientId: string;
      config: FlywheelConfig;
    }): Promise<CreateRetrievalDatasetsResult> {
      const { jobId, workloadId, clientId, config } = input;
      const retrieval = config.retrieval_config;
      const names = retrievalDatasetNames(workloadId, jobId);
      const client = nemo(config);
      const namespace = config.nmp_config.nmp_namespace;
      const context = Context.current();
      const records: unknown[] = [];
      for await (const page of exportLogPages({
        elasticsearch,
        index: logIndex,
        workloadId,
        clientId,
        limit: retrieval.limit,
      })) {
        records.push(...page);
        context.heartbeat({ phase: 'export', records: records.length });
      }
      let built: ReturnType<typeof buildRetrievalDatasets>;
      try {
        built = buildRetrievalDatasets({
          records,
          config: retrieval,
          seed: retrieval.random_seed === null ? jobId : String(retrieval.random_seed),
          workloadId,
          clientId,
          documentIdOf,
        });
      } catch (err) {
        if (err instanceof DatasetError) throw ApplicationFailure.nonRetryable(err.message, 'DatasetError');
        throw err;
      }
      const description = `Flywheel ${workloadId} (${clientId}), run ${jobId}, retrieval`;
      await retryTransient(() => client.ensureNamespace(namespace));
      const refs: DatasetRef[] = [];
      const uploads = [
        { name: names.eval, files: built.files.eval, rows: built.report.split.eval },
        { name: names.train, files: built.files.train, rows: built.report.split.train },
      ];
      for (const upload of uploads) {
        context.heartbeat({ phase: 'upload', dataset: upload.name });
        const files = Object.entries(upload.files).map(([path, content]) => ({ path, content }));
        await retryTransient(() => client.datastore.ensureRepo(namespace, upload.name));
        await retryTransient(() =>
          client.datastore.uploadFiles(namespace, upload.name, files, `Flywheel run ${jobId}`),
        );
        const registered = await retryTransient(() =>
          client.entityStore.registerDataset({ namespace, name: upload.name, description, project: 'flywheel' }),
        );
        refs.push({ name: upload.name, num_records: upload.rows, nmp_uri: registered.files_url });
      }
      const { eval: e, train, val } = built.report.split;
      const numRecords = e + train + val;
      await results.setRunDatasets(jobId, refs, numRecords, {
        ...built.report,
        workloadType: 'retrieval',
      } as unknown as Record<string, unknown>);
      return { numRecords, datasets: names, report: built.report };
    },
  };
}
