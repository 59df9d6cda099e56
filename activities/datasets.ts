import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FlywheelConfig } from '../config/schema';
import type { ResolvedWorkloadType } from '../contracts';
import type { NemoClient } from '../nemo-client';
import type { RepoFile } from '../nemo-client/datastore';
import { buildDatasetFiles, DEFAULT_DATASET_THREADS } from '../pipeline/dataset-build';
import { DATASET_FILES, type DatasetNames, datasetNames } from '../pipeline/dataset-names';
import { type DatasetReport, datasetReport } from '../pipeline/dataset-report';
import { DatasetError } from '../pipeline/errors';
import { toEvalRow } from '../pipeline/formatting';
import { buildIclRecords, type Embedder, IclConfigError } from '../pipeline/icl';
import { documentIdOf, exportLogPages, exportRawLogPages } from '../stores/log-export';
import type { DatasetRef } from '../stores/results/schema';
import type { ActivityDeps } from './deps';
import type { NemoFactory } from './nemo-factory';
import { retryTransient } from './transient-retry';

export interface CreateDatasetsInput {
  jobId: string;
  workloadId: string;
  clientId: string;
  config: FlywheelConfig;
}

export interface CreateDatasetsResult {
  numRecords: number;
  workloadType: ResolvedWorkloadType;
  datasets: DatasetNames;
  report: DatasetReport;
}

/** Exported records per wanted record: room for duplicates and rejects, as upstream (2 × limit). */
const EXPORT_FACTOR = 2;

function embedderFor(config: FlywheelConfig, nemo: NemoClient): Embedder | undefined {
  const endpoint = config.icl_config.similarity_config?.embedding_nim_config;
  if (!endpoint) return undefined;
  const target =
    endpoint.deployment_type === 'remote'
      ? {
          url: endpoint.url,
          model: endpoint.model_name,
          apiKey:
            (endpoint.api_key_env ? process.env[endpoint.api_key_env] : undefined) ??
            process.env.EMB_API_KEY ??
            process.env.NVIDIA_API_KEY,
        }
      : { url: `${config.nmp_config.nim_base_url.replace(/\/$/, '')}/v1/embeddings`, model: endpoint.model_name };
  const client = nemo.endpoint(target.url, target.apiKey);
  return {
    embed: (texts, inputType) => retryTransient(() => client.embed({ model: target.model, input: texts, inputType })),
  };
}

const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Non-empty lines of a JSONL text. */
const countLines = (text: string) => text.split('\n').filter((l) => l.length > 0).length;

/** Dataset builds of this process running on record workers now (at most one). */
let threadedBuilds = 0;

export function createDatasetActivities({
  elasticsearch,
  logIndex,
  results,
  nemo,
  datasetThreads = DEFAULT_DATASET_THREADS,
}: Pick<ActivityDeps, 'elasticsearch' | 'logIndex' | 'results' | 'datasetThreads'> & { nemo: NemoFactory }) {
  return {
    /**
     * Exports the workload's logs, validates, de-duplicates and splits them, builds the ICL
     * eval set, and uploads eval / ICL / train datasets under names fixed by the run id, so a
     * retry replaces what an earlier attempt uploaded. Too little usable data is a permanent
     * DatasetError whose message says which setting to change.
     */
    async createDatasets(input: CreateDatasetsInput): Promise<CreateDatasetsResult> {
      const { jobId, workloadId, clientId, config } = input;
      const names = datasetNames(workloadId, jobId);
      const client = nemo(config);
      const description = `Flywheel ${workloadId} (${clientId}), run ${jobId}`;
      const done = await alreadyBuilt(jobId, names, client, config.nmp_config.nmp_namespace, description);
      if (done) return done;

      const context = Context.current();
      const heartbeat = (details: Record<string, unknown>) => {
        context.heartbeat(details);
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      };
      const split = config.data_split_config;
      const workDir = await mkdtemp(join(tmpdir(), 'flywheel-datasets-'));
      try {
        const exportOptions = {
          elasticsearch,
          index: logIndex,
          workloadId,
          clientId,
          limit: split.limit * EXPORT_FACTOR,
        };
        // One build at a time in this process gets record workers; builds beside it run inline
        // (the same datasets, byte for byte), so 100 runs starting at once start 2 threads, not 200.
        const threaded = datasetThreads > 0 && threadedBuilds === 0;
        if (threaded) threadedBuilds++;
        const built = await buildDatasetFiles({
          ...(threaded
            ? { rawPages: (handle) => exportRawLogPages(exportOptions, handle), threads: datasetThreads }
            : { pages: exportLogPages(exportOptions) }),
          workloadId,
          clientId,
          workloadType: config.workload_type,
          split,
          seed: split.random_seed === null ? jobId : String(split.random_seed),
          workDir,
          documentIdOf,
          onProgress: (p) => heartbeat({ phase: 'export', ...p }),
        }).finally(() => {
          if (threaded) threadedBuilds--;
        });

        heartbeat({ phase: 'icl' });
        const icl = await buildIclRecords(built.evalRecords, built.assembled.iclPool, {
          config: config.icl_config,
          embedder: embedderFor(config, client),
          contextLength: Math.min(...config.nims.map((n) => n.context_length)),
        });
        const report = datasetReport(built, icl.stats);

        const evalContent = await readFile(built.paths.eval, 'utf8');
        const uploads: { name: string; files: RepoFile[]; rows: number }[] = [
          {
            name: names.eval,
            files: [{ path: DATASET_FILES.eval, content: evalContent }],
            rows: countLines(evalContent),
          },
          {
            name: names.icl,
            files: [{ path: DATASET_FILES.eval, content: jsonl(icl.records.map(toEvalRow)) }],
            rows: icl.records.length,
          },
          {
            name: names.train,
            files: [
              { path: DATASET_FILES.train, content: await readFile(built.paths.train, 'utf8') },
              { path: DATASET_FILES.val, content: await readFile(built.paths.val, 'utf8') },
            ],
            rows: built.assembled.plan.counts.train,
          },
        ];

        const namespace = config.nmp_config.nmp_namespace;
        await retryTransient(() => client.ensureNamespace(namespace));
        const refs: DatasetRef[] = [];
        for (const upload of uploads) {
          heartbeat({ phase: 'upload', dataset: upload.name });
          // Each call is idempotent (ensure, replace-upload, register-or-update), so retrying it is safe.
          await retryTransient(() => client.datastore.ensureRepo(namespace, upload.name));
          await retryTransient(() =>
            client.datastore.uploadFiles(namespace, upload.name, upload.files, `Flywheel run ${jobId}`),
          );
          const registered = await retryTransient(() =>
            client.entityStore.registerDataset({
              namespace,
              name: upload.name,
              description,
              project: 'flywheel',
            }),
          );
          refs.push({ name: upload.name, num_records: upload.rows, nmp_uri: registered.files_url });
        }

        const { eval: e, train, val } = built.assembled.plan.counts;
        const numRecords = e + train + val;
        await results.setRunDatasets(jobId, refs, numRecords, report as unknown as Record<string, unknown>);
        return { numRecords, workloadType: built.workloadType, datasets: names, report };
      } catch (err) {
        if (err instanceof DatasetError) {
          throw ApplicationFailure.nonRetryable(err.message, 'DatasetError', err.context);
        }
        if (err instanceof IclConfigError) throw ApplicationFailure.nonRetryable(err.message, 'ConfigError');
        throw err;
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };

  /**
   * A retry or reset after the datasets were uploaded and recorded returns what was recorded,
   * but only once the datastore shows every file of every dataset: one that is gone (the
   * datastore was wiped, a repository deleted) means a full rebuild under the same names. The
   * kept ones are registered again (an idempotent register-or-update), so the Entity Store entry
   * the evaluator and customizer resolve exists too.
   */
  async function alreadyBuilt(
    jobId: string,
    names: DatasetNames,
    client: NemoClient,
    namespace: string,
    description: string,
  ): Promise<CreateDatasetsResult | undefined> {
    const run = await results.getRun(jobId);
    const report = run?.dataset_report as DatasetReport | null | undefined;
    const recorded = new Set(run?.datasets.map((d) => d.name));
    if (!run || !report || ![names.eval, names.icl, names.train].every((n) => recorded.has(n))) return undefined;
    const wanted: [string, string[]][] = [
      [names.eval, [DATASET_FILES.eval]],
      [names.icl, [DATASET_FILES.eval]],
      [names.train, [DATASET_FILES.train, DATASET_FILES.val]],
    ];
    for (const [name, files] of wanted) {
      const repo = await retryTransient(() => client.datastore.getRepo(namespace, name));
      const present = repo?.siblings.map((f) => f.rfilename);
      if (!present || !files.every((f) => present.includes(f))) {
        Context.current().log.warn('recorded dataset missing from the datastore; rebuilding the datasets', {
          jobId,
          dataset: name,
          missing: present ? files.filter((f) => !present.includes(f)) : files,
        });
        return undefined;
      }
    }
    for (const [name] of wanted) {
      await retryTransient(() =>
        client.entityStore.registerDataset({ namespace, name, description, project: 'flywheel' }),
      );
    }
    return { numRecords: run.num_records, workloadType: report.workloadType, datasets: names, report };
  }
}
