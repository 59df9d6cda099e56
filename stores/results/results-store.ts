import {
  type Collection,
  type Db,
  type Filter,
  MongoServerError,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
} from 'mongodb';
import { type DeploymentStatus, EvalType, type FlywheelRunStatus, type StepStatus } from '../../contracts';
import { DetailChangeLog, type DetailChangesRead } from './detail-changes';
import { changesListing, listFilter, pageFilters, type RunListQuery, type RunPage, toPage } from './run-listing';
import { sanitizeError, withSanitizedError } from './sanitize-error';
import {
  COLLECTIONS,
  type CustomizationDoc,
  customizationId,
  type DatasetRef,
  type EvaluationDoc,
  evaluationId,
  type FlywheelRunDoc,
  type GeneralBenchmarkDoc,
  generalBenchmarkKey,
  type LlmJudgeRunDoc,
  type NimRunDoc,
  nimId,
  type RunConfigDoc,
  type RunSnapshotDoc,
  type StoredDecision,
} from './schema';

type Fields<T> = Partial<Omit<T, '_id'>>;

/** The update that marks a run's detail as changed (see getRunDetail). */
const REVISED = { detail_revision: 1 } as const;

export interface RunSteps {
  nims: NimRunDoc[];
  evaluations: EvaluationDoc[];
  customizations: CustomizationDoc[];
}

/**
 * The results store: one document per run, candidate (nim), evaluation, customization and
 * judge, in the Blueprint's collections. Every write is idempotent (deterministic ids, upserts)
 * so a retried activity never duplicates a document, and terminal writes are guarded on
 * `finished_at: null` so the first terminal write wins.
 */
export class ResultsStore {
  // Private: every query is a method here, so no caller depends on the collections' layout.
  private readonly runs: Collection<FlywheelRunDoc>;
  private readonly nims: Collection<NimRunDoc>;
  private readonly evaluations: Collection<EvaluationDoc>;
  private readonly customizations: Collection<CustomizationDoc>;
  private readonly judges: Collection<LlmJudgeRunDoc>;
  private readonly snapshots: Collection<RunSnapshotDoc>;
  private readonly configs: Collection<RunConfigDoc>;
  private readonly detailChanges: DetailChangeLog;

  constructor(private readonly db: Db) {
    this.runs = db.collection(COLLECTIONS.runs);
    this.nims = db.collection(COLLECTIONS.nims);
    this.evaluations = db.collection(COLLECTIONS.evaluations);
    this.customizations = db.collection(COLLECTIONS.customizations);
    this.judges = db.collection(COLLECTIONS.judges);
    this.snapshots = db.collection(COLLECTIONS.snapshots);
    this.configs = db.collection(COLLECTIONS.configs);
    this.detailChanges = new DetailChangeLog(db.collection(COLLECTIONS.detailChanges));
  }

  async ensureIndexes(): Promise<void> {
    await this.runs.createIndex({ workload_id: 1 });
    await this.runs.createIndex({ client_id: 1 });
    await this.runs.createIndex({ started_at: -1 });
    await this.runs.createIndex({ status: 1 });
    await this.nims.createIndex({ flywheel_run_id: 1 });
    await this.evaluations.createIndex({ flywheel_run_id: 1 });
    await this.customizations.createIndex({ flywheel_run_id: 1 });
  }

  // ------------------------------------------------------------------ runs

  /** Creates the run document unless it exists; returns the stored document either way. */
  async createRun(
    init: Pick<FlywheelRunDoc, '_id' | 'workload_id' | 'client_id' | 'workflow_id'> &
      Partial<Pick<FlywheelRunDoc, 'config_name' | 'schedule_id' | 'started_at' | 'job_type'>>,
  ): Promise<FlywheelRunDoc> {
    const doc: FlywheelRunDoc = {
      status: 'pending',
      started_at: new Date(),
      finished_at: null,
      num_records: 0,
      nims: [],
      datasets: [],
      error: null,
      config_name: null,
      candidates_total: 0,
      candidates_failed: 0,
      dataset_report: null,
      cancel_reason: null,
      schedule_id: null,
      ...init,
    };
    // A run created now is the document written; only an existing one needs reading.
    if (await insertIfAbsent(this.runs, doc)) {
      await this.detailChanges.record(doc._id); // a new entry in the listing
      return doc;
    }
    return (await this.getRun(doc._id)) ?? doc;
  }

  /**
   * Stores the config a run resolved. A reset re-runs the run's initialization, so the latest
   * resolution replaces the earlier one: it is the one the workflow goes on with.
   */
  async saveRunConfig(runId: string, config: unknown): Promise<void> {
    const doc: RunConfigDoc = { _id: runId, config_json: JSON.stringify(config), stored_at: new Date() };
    await this.configs.replaceOne({ _id: runId }, doc, { upsert: true });
  }

  /** The config a run resolved (parsed JSON, for the caller to validate), or null if none was stored. */
  async getRunConfig(runId: string): Promise<unknown | null> {
    const doc = await this.configs.findOne({ _id: runId });
    return doc ? JSON.parse(doc.config_json) : null;
  }

  getRun(id: string): Promise<FlywheelRunDoc | null> {
    return this.runs.findOne({ _id: id });
  }

  /** Runs matching the filters, sorted by start time then id, one page at a time. */
  async listRuns(query: RunListQuery = {}): Promise<RunPage> {
    const direction = query.descending ? -1 : 1;
    const docs: FlywheelRunDoc[] = [];
    // the limit + 1st run only tells whether there is a next page
    const wanted = query.limit ? query.limit + 1 : undefined;
    for (const filter of pageFilters(query)) {
      if (wanted !== undefined && docs.length >= wanted) break;
      let find = this.runs.find(filter).sort({ started_at: direction, _id: direction });
      if (wanted !== undefined) find = find.limit(wanted - docs.length);
      docs.push(...(await find.toArray()));
    }
    return toPage(docs, query.limit);
  }

  /** How many runs match; for checks and tests, not for paging. */
  countRuns(filter: Pick<RunListQuery, 'workload_id' | 'client_id' | 'status'> = {}): Promise<number> {
    return this.runs.countDocuments(listFilter(filter));
  }

  /** One round trip to the database (the readiness probe). */
  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  /**
   * Removes a run that never started (its workflow could not be created), so nothing is left
   * half-written; a run that moved on is kept. Returns whether it was removed.
   */
  async discardPendingRun(id: string): Promise<boolean> {
    const gone = (await this.runs.deleteOne({ _id: id, status: 'pending' })).deletedCount > 0;
    if (gone) await this.detailChanges.record(id);
    return gone;
  }

  /** Sets a run's error whether or not it finished (e.g. a deletion that left artifacts behind). */
  async setRunError(id: string, error: string): Promise<void> {
    await this.revise(id, { $set: { error: sanitizeError(error) } });
  }

  /** Updates a run that has not finished; returns whether anything was written. */
  /** How many runs are in each status (for the runs gauge on /metrics). */
  async countRunsByStatus(): Promise<Partial<Record<string, number>>> {
    const rows = await this.runs
      .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }])
      .toArray();
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  async updateRun(id: string, fields: Fields<FlywheelRunDoc>): Promise<boolean> {
    const res = await this.runs.updateOne({ _id: id, finished_at: null }, { $set: withSanitizedError(fields) });
    if (res.modifiedCount > 0 && changesListing(fields)) await this.detailChanges.record(id);
    return res.matchedCount > 0;
  }

  /**
   * Records a cancel request on an unfinished run, once: false when the run has finished or a
   * cancel was already requested (the API then answers "already cancelled" without signalling).
   */
  async claimCancel(id: string, reason: string): Promise<boolean> {
    const res = await this.runs.updateOne(
      { _id: id, finished_at: null, cancel_reason: null },
      { $set: { cancel_reason: reason } },
    );
    return res.matchedCount > 0;
  }

  /** Undoes claimCancel when the cancel could not be delivered, so a retry can try again. */
  async releaseCancel(id: string): Promise<void> {
    await this.runs.updateOne({ _id: id, finished_at: null }, { $set: { cancel_reason: null } });
  }

  async setRunDatasets(id: string, datasets: DatasetRef[], numRecords: number, report: Record<string, unknown>) {
    await this.revise(id, { $set: { datasets, num_records: numRecords, dataset_report: report } });
  }

  /** Stores the run's decision (recomputed whole on a retry, so a plain overwrite). */
  async setRunDecision(id: string, decision: StoredDecision): Promise<void> {
    await this.revise(id, { $set: { decision } });
  }

  /** The first terminal write wins; later ones change nothing and return false. */
  async finishRun(
    id: string,
    status: Extract<FlywheelRunStatus, 'completed' | 'failed' | 'cancelled'>,
    fields: Fields<FlywheelRunDoc> = {},
  ): Promise<boolean> {
    const res = await this.runs.updateOne(
      { _id: id, finished_at: null },
      { $set: { ...withSanitizedError(fields), status, finished_at: new Date() } },
    );
    if (res.modifiedCount === 0) return false;
    await this.detailChanges.record(id);
    return true;
  }

  /**
   * A finished run executed again by a new Temporal run (`temporal workflow reset`, a retry):
   * the run and its candidates are open again, steps that did not complete are dropped so they
   * are redone, completed ones keep their results. Returns whether the run was reopened.
   */
  async reopenRun(id: string, workflowRunId: string): Promise<boolean> {
    const res = await this.runs.updateOne(
      { _id: id, finished_at: { $ne: null }, workflow_run_id: { $ne: workflowRunId } },
      {
        $set: {
          status: 'running',
          finished_at: null,
          error: null,
          cancel_reason: null,
          candidates_failed: 0,
          workflow_run_id: workflowRunId,
        },
      },
    );
    if (res.modifiedCount === 0) return false;
    await this.detailChanges.record(id); // a finished detail or a page cached anywhere is stale now
    await this.snapshots.deleteOne({ _id: id });
    const byRun = { flywheel_run_id: id };
    await this.evaluations.deleteMany({ ...byRun, status: { $ne: 'completed' } });
    await this.customizations.deleteMany({ ...byRun, status: { $ne: 'completed' } });
    await this.nims.updateMany(byRun, {
      $set: { status: 'pending', finished_at: null, error: null, deployment_status: null, runtime_seconds: 0 },
    });
    return true;
  }

  // ------------------------------------------------------------------ candidates

  async createNim(runId: string, modelName: string): Promise<string> {
    const _id = nimId(runId, modelName);
    const init: NimRunDoc = {
      _id,
      flywheel_run_id: runId,
      model_name: modelName,
      started_at: null,
      finished_at: null,
      runtime_seconds: 0,
      evaluations: [],
      status: 'pending',
      deployment_status: null,
      error: null,
    };
    await insertIfAbsent(this.nims, init);
    return _id;
  }

  async updateNim(runId: string, modelName: string, fields: Fields<NimRunDoc>): Promise<boolean> {
    const res = await this.nims.updateOne(
      { _id: nimId(runId, modelName), finished_at: null },
      { $set: withSanitizedError(fields) },
    );
    return res.matchedCount > 0;
  }

  async finishNim(
    runId: string,
    modelName: string,
    status: 'completed' | 'failed' | 'cancelled',
    error: string | null,
    fields: Fields<NimRunDoc> = {},
  ): Promise<boolean> {
    const res = await this.nims.updateOne(
      { _id: nimId(runId, modelName), finished_at: null },
      { $set: { ...fields, status, error: sanitizeError(error), finished_at: new Date() } },
    );
    return res.modifiedCount > 0;
  }

  /**
   * One general-capability benchmark of a candidate (`general_benchmarks.<variant>:<type>` on its
   * document; the key is deterministic, so a retried activity overwrites its own entry).
   */
  async setGeneralBenchmark(runId: string, modelName: string, entry: GeneralBenchmarkDoc): Promise<void> {
    const key = generalBenchmarkKey(entry.variant, entry.benchmark);
    await this.nims.updateOne(
      { _id: nimId(runId, modelName) },
      { $set: { [`general_benchmarks.${key}`]: { ...entry, error: sanitizeError(entry.error) } } },
    );
    await this.detailRevised(runId);
  }

  /** Recorded even on a finished candidate: where its deployment stands is still worth knowing. */
  async setNimDeploymentStatus(runId: string, modelName: string, status: DeploymentStatus): Promise<void> {
    await this.nims.updateOne({ _id: nimId(runId, modelName) }, { $set: { deployment_status: status } });
    await this.detailRevised(runId);
  }

  findNims(runId: string): Promise<NimRunDoc[]> {
    return this.nims.find({ flywheel_run_id: runId }).sort({ _id: 1 }).toArray();
  }

  /**
   * Every candidate, evaluation and customization document of a run, by a scan on the run id
   * (whatever candidates it names): for deletion and checks, not for the hot read path.
   */
  async findRunSteps(runId: string): Promise<RunSteps> {
    const byRun = { flywheel_run_id: runId };
    const [nims, evaluations, customizations] = await Promise.all([
      this.findNims(runId),
      this.evaluations.find(byRun).sort({ _id: 1 }).toArray(),
      this.customizations.find(byRun).sort({ _id: 1 }).toArray(),
    ]);
    return { nims, evaluations, customizations };
  }

  /**
   * A run's candidate, evaluation and customization documents. With the candidates' names on
   * the run they are read by their deterministic ids: FerretDB's SQLite backend answers `_id`
   * lookups from its primary key but scans the collection for any other filter, indexed or not
   * (1 ms against 30-90 ms per query at a few thousand documents). Older runs fall back to
   * the scan.
   */
  async getRunSteps(run: Pick<FlywheelRunDoc, '_id' | 'candidate_models'>): Promise<RunSteps> {
    const models = run.candidate_models;
    if (!models) return this.findRunSteps(run._id);
    const present = <T>(docs: (T | null)[]) => docs.filter((d): d is NonNullable<T> => d !== null) as T[];
    const nimIds = models.map((m) => nimId(run._id, m)).sort();
    const [nims, evaluations, customizations] = await Promise.all([
      Promise.all(nimIds.map((_id) => this.nims.findOne({ _id }))).then(present),
      Promise.all(
        nimIds.flatMap((nim) => EvalType.options.map((t) => this.evaluations.findOne({ _id: evaluationId(nim, t) }))),
      ).then(present),
      Promise.all(nimIds.map((nim) => this.customizations.findOne({ _id: customizationId(nim) }))).then(present),
    ]);
    return { nims, evaluations, customizations };
  }

  // ------------------------------------------------------------------ evaluations

  async startEvaluation(runId: string, modelName: string, evalType: EvalType): Promise<string> {
    const nim = nimId(runId, modelName);
    const _id = evaluationId(nim, evalType);
    const init: EvaluationDoc = {
      _id,
      nim_id: nim,
      flywheel_run_id: runId,
      eval_type: evalType,
      scores: {},
      started_at: new Date(),
      finished_at: null,
      runtime_seconds: 0,
      progress: 0,
      nmp_uri: null,
      mlflow_uri: null,
      job_id: null,
      error: null,
      status: 'pending',
    };
    await insertIfAbsent(this.evaluations, init);
    return _id;
  }

  async updateEvaluation(id: string, fields: Fields<EvaluationDoc>): Promise<boolean> {
    return this.updateUnfinished(this.evaluations, id, withSanitizedError(fields));
  }

  /** The evaluation's MLflow run link, written once the run is tracked (after the step finished). */
  async setEvaluationMlflowUri(runId: string, id: string, uri: string): Promise<void> {
    await this.evaluations.updateOne({ _id: id }, { $set: { mlflow_uri: uri } });
    await this.detailRevised(runId); // a detail cached before the link was set
  }

  getEvaluation(id: string): Promise<EvaluationDoc | null> {
    return this.evaluations.findOne({ _id: id });
  }

  // ------------------------------------------------------------------ customizations

  async startCustomization(runId: string, workloadId: string, modelName: string): Promise<string> {
    const nim = nimId(runId, modelName);
    const _id = customizationId(nim);
    const init: CustomizationDoc = {
      _id,
      nim_id: nim,
      flywheel_run_id: runId,
      job_id: null,
      workload_id: workloadId,
      base_model: modelName,
      customized_model: null,
      started_at: new Date(),
      finished_at: null,
      runtime_seconds: 0,
      progress: 0,
      epochs_completed: 0,
      steps_completed: 0,
      nmp_uri: null,
      error: null,
      status: 'pending',
    };
    await insertIfAbsent(this.customizations, init);
    return _id;
  }

  async updateCustomization(id: string, fields: Fields<CustomizationDoc>): Promise<boolean> {
    return this.updateUnfinished(this.customizations, id, withSanitizedError(fields));
  }

  getCustomization(id: string): Promise<CustomizationDoc | null> {
    return this.customizations.findOne({ _id: id });
  }

  // ------------------------------------------------------------------ judge

  async upsertJudge(runId: string, fields: Omit<LlmJudgeRunDoc, '_id' | 'flywheel_run_id'>): Promise<void> {
    await this.judges.updateOne(
      { _id: runId },
      { $set: { ...withSanitizedError(fields), flywheel_run_id: runId } },
      { upsert: true },
    );
  }

  getJudge(runId: string): Promise<LlmJudgeRunDoc | null> {
    return this.judges.findOne({ _id: runId });
  }

  async setJudgeDeploymentStatus(runId: string, status: DeploymentStatus): Promise<void> {
    await this.judges.updateOne({ _id: runId }, { $set: { deployment_status: status } });
    await this.detailRevised(runId);
  }

  /**
   * A run's judge and steps, as the job detail shows them. A finished run's are read once and
   * kept in one snapshot document, so its detail costs two reads (run, snapshot) however many
   * candidates it had. A snapshot is valid for the run's (finished_at, detail_revision) it was
   * taken at: the writes that can still change a finished run bump the revision after writing
   * (detailRevised), and the revision is read before the documents, so a snapshot taken while
   * such a write was under way is never used.
   */
  async getRunDetail(
    run: Pick<FlywheelRunDoc, '_id' | 'candidate_models' | 'finished_at' | 'detail_revision'>,
  ): Promise<RunSteps & { judge: LlmJudgeRunDoc | null }> {
    const finishedAt = run.finished_at;
    const revision = run.detail_revision ?? 0;
    if (finishedAt) {
      const snapshot = await this.snapshots.findOne({ _id: run._id });
      if (
        snapshot &&
        snapshot.finished_at.getTime() === finishedAt.getTime() &&
        (snapshot.detail_revision ?? 0) === revision
      ) {
        const { nims, evaluations, customizations, judge } = snapshot;
        return { nims, evaluations, customizations, judge };
      }
    }
    const [judge, steps] = await Promise.all([this.getJudge(run._id), this.getRunSteps(run)]);
    if (finishedAt) {
      await this.saveSnapshot({ _id: run._id, finished_at: finishedAt, detail_revision: revision, judge, ...steps });
    }
    return { judge, ...steps };
  }

  private async saveSnapshot(doc: RunSnapshotDoc): Promise<void> {
    // A cache write: two readers racing to upsert it can collide (E11000), and a reader that
    // has the documents in hand answers with them whether or not the snapshot was stored.
    await this.snapshots.replaceOne({ _id: doc._id }, doc, { upsert: true }).catch(() => undefined);
  }

  /** After a write to a run's step or judge documents that a finished run's detail shows. */
  private async detailRevised(runId: string): Promise<void> {
    await this.revise(runId, {});
  }

  /**
   * A write to the run document that bumps its detail revision; on a finished run, or when it
   * changes a listed field, it is also announced in the change log (after the write), which
   * tells every API replica to drop its cached detail and pages. An unfinished run's detail is
   * never cached, so its other writes cost nothing more.
   */
  private async revise(id: string, update: { $set?: Fields<FlywheelRunDoc> }): Promise<void> {
    const run = await this.runs.findOneAndUpdate(
      { _id: id },
      { ...update, $inc: REVISED },
      { returnDocument: 'after' }, // no projection: FerretDB 1.24's findAndModify has none
    );
    if (run && (run.finished_at || changesListing(update.$set ?? {}))) await this.detailChanges.record(id);
  }

  /** The change log of finished details after change `after` (see detail-changes.ts). */
  readDetailChanges(after: number | null): Promise<DetailChangesRead> {
    return this.detailChanges.readAfter(after);
  }

  // ------------------------------------------------------------------ run-wide

  /**
   * Ends a run: its unfinished steps first, so that a retry after a crash between the two
   * writes still closes them, then the run itself (first terminal write wins). Steps left open
   * by a run that ends `cancelled` are cancelled; by any other end, failed. The steps are closed
   * by their ids, one update command per collection, without reading them: a run's end is one
   * write path every run takes, and most finished runs' details are never opened. The snapshot
   * of a finished run's detail is taken by its first read (getRunDetail).
   */
  async closeRun(
    id: string,
    status: Extract<FlywheelRunStatus, 'completed' | 'failed' | 'cancelled'>,
    stepError: string,
    fields: Fields<FlywheelRunDoc> = {},
  ): Promise<boolean> {
    const run = await this.getRun(id);
    const stepStatus = status === 'cancelled' ? 'cancelled' : 'failed';
    const closed = await this.finishOpenSteps(id, stepStatus, stepError, run?.candidate_models);
    if (run?.finished_at) {
      // finished already (a retried finalizer): a snapshot taken before these writes is stale
      if (closed > 0) await this.detailRevised(id);
      return false;
    }
    const finished = await this.runs.findOneAndUpdate(
      { _id: id, finished_at: null },
      { $set: { ...withSanitizedError(fields), status, finished_at: new Date() } },
      { returnDocument: 'after' },
    );
    if (finished) {
      await this.detailChanges.record(id); // its status in the listing
      return true;
    }
    return false; // finished by a concurrent writer between the two
  }

  /**
   * Marks every step of the run that has not finished (candidates, evaluations,
   * customizations) with a terminal status; finished steps keep their results. With the run's
   * candidates named (every run since candidate_models), by their deterministic ids, one
   * update command per collection (FerretDB answers an `_id` from its index; any other filter
   * scans the collection); otherwise by a scan on the run id.
   */
  async finishOpenSteps(
    runId: string,
    status: Extract<StepStatus, 'failed' | 'cancelled'>,
    error: string,
    models?: string[],
  ): Promise<number> {
    const update = { $set: { status, error: sanitizeError(error), finished_at: new Date() } };
    if (!models) {
      const open = { flywheel_run_id: runId, finished_at: null };
      let closed = (await this.evaluations.updateMany(open, update)).modifiedCount;
      closed += (await this.customizations.updateMany(open, update)).modifiedCount;
      return closed + (await this.nims.updateMany(open, update)).modifiedCount;
    }
    const nimIds = models.map((m) => nimId(runId, m));
    if (nimIds.length === 0) return 0; // a bulk write of nothing is refused
    const close = (ids: string[]) => ids.map((_id) => ({ updateOne: { filter: { _id, finished_at: null }, update } }));
    // Steps first, candidates last, as above: a crash in between leaves the candidate open for the retry.
    const steps = await Promise.all([
      this.evaluations.bulkWrite(close(nimIds.flatMap((nim) => EvalType.options.map((t) => evaluationId(nim, t)))), {
        ordered: false,
      }),
      this.customizations.bulkWrite(close(nimIds.map(customizationId)), { ordered: false }),
    ]);
    const nims = await this.nims.bulkWrite(close(nimIds), { ordered: false });
    return [...steps, nims].reduce((sum, r) => sum + r.modifiedCount, 0);
  }

  /**
   * Writes whole run records (a run with its steps and judge, and a finished run's snapshot) in
   * bulk, one insert per collection: for imports and benchmark fixtures, not for runs in progress.
   */
  async insertRunRecords(records: (RunSteps & { run: FlywheelRunDoc; judge: LlmJudgeRunDoc | null })[]) {
    const all = <T>(pick: (r: (typeof records)[number]) => T[]) =>
      records.flatMap(pick) as OptionalUnlessRequiredId<never>[];
    await this.runs.insertMany(all((r) => [r.run]));
    await this.nims.insertMany(all((r) => r.nims));
    await this.evaluations.insertMany(all((r) => r.evaluations));
    const customizations = all((r) => r.customizations);
    if (customizations.length > 0) await this.customizations.insertMany(customizations);
    const judges = all((r) => (r.judge ? [r.judge] : []));
    if (judges.length > 0) await this.judges.insertMany(judges);
    // A finished run's detail snapshot, as closeRun takes it.
    const snapshots = all((r) => {
      const { run, judge, nims, evaluations, customizations } = r;
      if (!run.finished_at) return [];
      const at = { finished_at: run.finished_at, detail_revision: run.detail_revision ?? 0 };
      return [{ _id: run._id, ...at, judge, nims, evaluations, customizations } satisfies RunSnapshotDoc];
    });
    if (snapshots.length > 0) await this.snapshots.insertMany(snapshots);
  }

  /** Deletes every document of a run; returns how many were removed per collection. */
  async deleteRunDocuments(runId: string): Promise<Record<string, number>> {
    const byRun = { flywheel_run_id: runId };
    const counts: Record<string, number> = {};
    counts.evaluations = (await this.evaluations.deleteMany(byRun)).deletedCount;
    counts.customizations = (await this.customizations.deleteMany(byRun)).deletedCount;
    counts.nims = (await this.nims.deleteMany(byRun)).deletedCount;
    counts.llm_judge_runs = (await this.judges.deleteMany(byRun)).deletedCount;
    await this.snapshots.deleteOne({ _id: runId });
    await this.configs.deleteOne({ _id: runId });
    counts.flywheel_runs = (await this.runs.deleteOne({ _id: runId })).deletedCount;
    // Announced even when nothing was left to delete: a retry after a crash between the two.
    await this.detailChanges.record(runId);
    return counts;
  }

  private async updateUnfinished<T extends { _id: string; finished_at: Date | null }>(
    collection: Collection<T>,
    id: string,
    fields: Fields<T>,
  ): Promise<boolean> {
    const res = await collection.updateOne(
      { _id: id, finished_at: null } as Filter<T>,
      { $set: fields } as UpdateFilter<T>,
    );
    return res.matchedCount > 0;
  }
}

/**
 * Inserts a document unless one with its id exists; returns whether it did. Not an upsert with `$setOnInsert`:
 * FerretDB drops null and empty-array fields from `$setOnInsert`, and clients read those
 * fields (`finished_at: null`, `datasets: []`).
 */
async function insertIfAbsent<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as OptionalUnlessRequiredId<T>);
    return true;
  } catch (err) {
    if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    return false;
  }
}
