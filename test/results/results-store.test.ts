import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { connectMongo } from '../../stores/mongo';
import { ResultsStore } from '../../stores/results/results-store';
import { customizationId, evaluationId, nimId } from '../../stores/results/schema';
import { servers } from '../support/servers';

describe('results store (Blueprint collections)', () => {
  let client: MongoClient;
  let store: ResultsStore;
  const dbName = `test_results_${randomUUID().slice(0, 8)}`;
  const newRunId = () => randomUUID().replace(/-/g, '').slice(0, 24);

  beforeAll(async () => {
    const mongo = await connectMongo(servers.MONGODB_URL, dbName);
    client = mongo.client;
    store = new ResultsStore(mongo.db);
    await store.ensureIndexes();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  const init = (id: string) => ({ _id: id, workload_id: 'w', client_id: 'c', workflow_id: `flywheel-${id}` });

  test('a new run has the Blueprint fields and creating it twice keeps the first document', async () => {
    const id = newRunId();
    const first = await store.createRun(init(id));
    expect(first).toMatchObject({
      _id: id,
      workload_id: 'w',
      client_id: 'c',
      status: 'pending',
      finished_at: null,
      num_records: 0,
      nims: [],
      datasets: [],
      error: null,
    });
    expect(first.started_at).toBeInstanceOf(Date);
    await store.updateRun(id, { status: 'running' });
    const again = await store.createRun({ ...init(id), workload_id: 'other' });
    expect(again).toMatchObject({ workload_id: 'w', status: 'running' });
    expect((await store.listRuns({ workload_id: 'w' })).runs.filter((r) => r._id === id)).toHaveLength(1);
  });

  test('the first terminal write wins and later updates change nothing', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    expect(await store.finishRun(id, 'cancelled', { error: 'Job cancelled by user' })).toBe(true);
    expect(await store.finishRun(id, 'completed')).toBe(false);
    expect(await store.updateRun(id, { status: 'running' })).toBe(false);
    expect(await store.getRun(id)).toMatchObject({ status: 'cancelled', error: 'Job cancelled by user' });
  });

  test('candidate, evaluation and customization documents are upserted by deterministic ids', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.createNim(id, 'meta/a');
    await store.createNim(id, 'meta/a');
    expect(await store.findNims(id)).toEqual([
      expect.objectContaining({
        _id: nimId(id, 'meta/a'),
        flywheel_run_id: id,
        model_name: 'meta/a',
        status: 'pending',
        deployment_status: null,
        evaluations: [],
        runtime_seconds: 0,
      }),
    ]);
    const evalId = await store.startEvaluation(id, 'meta/a', 'base-eval');
    await store.startEvaluation(id, 'meta/a', 'base-eval');
    expect(evalId).toBe(evaluationId(nimId(id, 'meta/a'), 'base-eval'));
    expect((await store.findRunSteps(id)).evaluations).toHaveLength(1);
    expect(await store.getEvaluation(evalId)).toMatchObject({
      nim_id: nimId(id, 'meta/a'),
      eval_type: 'base-eval',
      scores: {},
      progress: 0,
      nmp_uri: null,
      mlflow_uri: null,
      finished_at: null,
    });
    const custId = await store.startCustomization(id, 'w', 'meta/a');
    expect(custId).toBe(customizationId(nimId(id, 'meta/a')));
    expect(await store.getCustomization(custId)).toMatchObject({
      base_model: 'meta/a',
      workload_id: 'w',
      customized_model: null,
      epochs_completed: 0,
      steps_completed: 0,
    });
  });

  test("a run's steps read by their ids are the same documents the collection scan finds", async () => {
    const id = newRunId();
    const other = newRunId();
    const models = ['meta/llama-3.2-3b-instruct', 'meta/llama-3.2-1b-instruct'];
    await store.createRun(init(id));
    for (const run of [id, other]) {
      for (const m of models) {
        await store.createNim(run, m);
        await store.startEvaluation(run, m, 'base-eval');
        await store.startEvaluation(run, m, 'icl-eval');
      }
      await store.startCustomization(run, 'w', models[0] as string);
    }
    const byScan = await store.getRunSteps({ _id: id });
    const byIds = await store.getRunSteps({ _id: id, candidate_models: models });
    const ids = (docs: { _id: string }[]) => docs.map((d) => d._id).sort();
    expect(ids(byIds.nims)).toEqual(ids(byScan.nims));
    expect(byIds.nims.map((n) => n.model_name)).toEqual([...models].sort());
    expect(ids(byIds.evaluations)).toEqual(ids(byScan.evaluations));
    expect(byIds.evaluations).toHaveLength(4);
    expect(ids(byIds.customizations)).toEqual(ids(byScan.customizations));
    expect(byIds.customizations).toHaveLength(1);
    expect([...byIds.nims, ...byIds.evaluations, ...byIds.customizations].every((d) => d.flywheel_run_id === id)).toBe(
      true,
    );
  });

  test('closing open steps marks only unfinished ones and keeps finished results', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.createNim(id, 'meta/a');
    const done = await store.startEvaluation(id, 'meta/a', 'base-eval');
    await store.updateEvaluation(done, { status: 'completed', scores: { similarity: 0.8 }, finished_at: new Date() });
    const open = await store.startEvaluation(id, 'meta/a', 'icl-eval');
    await store.finishOpenSteps(id, 'cancelled', 'Job cancelled by user');
    expect(await store.getEvaluation(done)).toMatchObject({
      status: 'completed',
      scores: { similarity: 0.8 },
      error: null,
    });
    expect(await store.getEvaluation(open)).toMatchObject({ status: 'cancelled', error: 'Job cancelled by user' });
    expect((await store.findNims(id))[0]).toMatchObject({ status: 'cancelled' });
    // a finished step ignores later progress writes
    expect(await store.updateEvaluation(done, { progress: 5 })).toBe(false);
  });

  test('deleting a run removes its documents and no other run', async () => {
    const keep = newRunId();
    const drop = newRunId();
    for (const id of [keep, drop]) {
      await store.createRun(init(id));
      await store.createNim(id, 'meta/a');
      await store.startEvaluation(id, 'meta/a', 'base-eval');
      await store.startCustomization(id, 'w', 'meta/a');
      await store.upsertJudge(id, {
        model_name: 'j',
        deployment_type: 'remote',
        deployment_status: 'ready',
        error: null,
      });
    }
    expect(await store.deleteRunDocuments(drop)).toEqual({
      evaluations: 1,
      customizations: 1,
      nims: 1,
      llm_judge_runs: 1,
      flywheel_runs: 1,
    });
    expect(await store.getRun(drop)).toBeNull();
    expect(await store.getRun(keep)).not.toBeNull();
    expect((await store.findRunSteps(keep)).evaluations).toHaveLength(1);
  });

  test('a finished run executed by a new workflow run reopens, keeping completed steps and dropping the others', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.updateRun(id, { workflow_run_id: 'run-1' });
    await store.createNim(id, 'meta/a');
    const done = await store.startEvaluation(id, 'meta/a', 'base-eval');
    await store.updateEvaluation(done, { status: 'completed', scores: { similarity: 0.9 }, finished_at: new Date() });
    await store.startEvaluation(id, 'meta/a', 'icl-eval');
    await store.finishOpenSteps(id, 'failed', 'boom');
    await store.finishRun(id, 'failed', { error: 'boom' });

    expect(await store.reopenRun(id, 'run-1')).toBe(false); // the same run: nothing to reopen
    expect(await store.reopenRun(id, 'run-2')).toBe(true);
    expect(await store.reopenRun(id, 'run-2')).toBe(false);
    expect(await store.getRun(id)).toMatchObject({
      status: 'running',
      finished_at: null,
      error: null,
      workflow_run_id: 'run-2',
    });
    expect((await store.findNims(id))[0]).toMatchObject({ status: 'pending', finished_at: null, error: null });
    const { evaluations } = await store.findRunSteps(id);
    expect(evaluations.map((e) => [e.eval_type, e.status])).toEqual([['base-eval', 'completed']]);
  });
  test("a finished run's detail is read from one snapshot document whatever its number of candidates", async () => {
    const finishedWith = async (models: string[]) => {
      const id = newRunId();
      await store.createRun(init(id));
      await store.updateRun(id, { candidate_models: models });
      for (const m of models) {
        await store.createNim(id, m);
        await store.startEvaluation(id, m, 'base-eval');
      }
      await store.closeRun(id, 'completed', 'run completed');
      return (await store.getRun(id)) as NonNullable<Awaited<ReturnType<ResultsStore['getRun']>>>;
    };
    const monitored = new MongoClient(servers.MONGODB_URL, { monitorCommands: true });
    await monitored.connect();
    const reads: string[] = [];
    monitored.on('commandStarted', (e) => {
      if (e.commandName === 'find') reads.push(String(e.command.find));
    });
    try {
      const watched = new ResultsStore(monitored.db(dbName));
      const readsFor = async (run: Awaited<ReturnType<typeof finishedWith>>) => {
        await watched.getRunDetail(run); // the first read takes the snapshot
        reads.length = 0;
        const detail = await watched.getRunDetail(run);
        return { reads: [...reads], detail };
      };
      const one = await readsFor(await finishedWith(['meta/a']));
      const six = await readsFor(await finishedWith(['m/1', 'm/2', 'm/3', 'm/4', 'm/5', 'm/6']));
      expect(one.reads).toEqual(['run_snapshots']);
      expect(six.reads).toEqual(['run_snapshots']);
      expect(six.detail.nims.map((n) => [n.model_name, n.status])).toEqual(
        ['m/1', 'm/2', 'm/3', 'm/4', 'm/5', 'm/6'].map((m) => [m, 'failed']),
      );
      expect(six.detail.evaluations).toHaveLength(6);
    } finally {
      await monitored.close();
    }
  });
  test("closing a run reads none of its steps; the detail's first read snapshots the stored documents", async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.updateRun(id, { candidate_models: ['meta/a', 'meta/b'] });
    for (const m of ['meta/a', 'meta/b']) {
      await store.createNim(id, m);
      const ev = await store.startEvaluation(id, m, 'base-eval');
      await store.updateEvaluation(ev, { status: 'completed', scores: { f1: 0.5 }, finished_at: new Date() });
      const cu = await store.startCustomization(id, 'w', m);
      await store.updateCustomization(cu, { status: 'completed', finished_at: new Date() });
      await store.finishNim(id, m, 'completed', null);
    }
    const monitored = new MongoClient(servers.MONGODB_URL, { monitorCommands: true });
    await monitored.connect();
    const sent: string[] = [];
    monitored.on('commandStarted', (e) => sent.push(`${e.commandName} ${String(e.command[e.commandName])}`));
    const watched = new ResultsStore(monitored.db(dbName));
    try {
      expect(await watched.closeRun(id, 'completed', 'run completed')).toBe(true);
      const closing = [...sent];
      // the run read (and the change log's head), the open steps closed by id in one command
      // per collection, the finish
      expect(closing.filter((c) => c.startsWith('find ')).sort()).toEqual([
        'find detail_changes',
        'find flywheel_runs',
      ]);
      expect(closing.filter((c) => / (nims|evaluations|customizations)$/.test(c)).sort()).toEqual([
        'update customizations',
        'update evaluations',
        'update nims',
      ]);
      expect(closing).toEqual(expect.arrayContaining(['findAndModify flywheel_runs', 'insert detail_changes']));
      expect(closing.some((c) => c.includes('run_snapshots'))).toBe(false);

      const run = (await store.getRun(id)) as NonNullable<Awaited<ReturnType<ResultsStore['getRun']>>>;
      expect(run.status).toBe('completed');
      sent.length = 0;
      const { judge, ...first } = await watched.getRunDetail(run); // takes the snapshot
      expect(sent).toEqual(expect.arrayContaining(['update run_snapshots']));
      sent.length = 0;
      const { judge: again, ...fromSnapshot } = await watched.getRunDetail(run);
      expect(sent.filter((c) => c.startsWith('find '))).toEqual(['find run_snapshots']);
      expect(fromSnapshot).toEqual(first);
      expect(fromSnapshot).toEqual(await store.getRunSteps(run));
      // finished steps kept their results: the closing writes matched only open steps
      expect(fromSnapshot.evaluations.map((e) => [e.status, e.scores])).toEqual([
        ['completed', { f1: 0.5 }],
        ['completed', { f1: 0.5 }],
      ]);
      expect(fromSnapshot.nims.map((n) => n.status)).toEqual(['completed', 'completed']);
    } finally {
      await monitored.close();
    }
  });

  /** A run of one candidate ('meta/a'), closed as completed. */
  const closedRunOfOneCandidate = async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.updateRun(id, { candidate_models: ['meta/a'] });
    await store.createNim(id, 'meta/a');
    await store.closeRun(id, 'completed', 'run completed');
    return { id, closed: (await store.getRun(id)) as NonNullable<Awaited<ReturnType<ResultsStore['getRun']>>> };
  };

  test('a retried close of a finished run that still closes a step revises its detail', async () => {
    const { id, closed } = await closedRunOfOneCandidate();
    await store.getRunDetail(closed); // snapshot taken
    await store.startEvaluation(id, 'meta/a', 'base-eval'); // a late step, left open
    expect(await store.closeRun(id, 'completed', 'run completed')).toBe(false);
    const revised = (await store.getRun(id)) as typeof closed;
    expect(revised.detail_revision).toBe((closed.detail_revision ?? 0) + 1);
    expect((await store.getRunDetail(revised)).evaluations.map((e) => e.status)).toEqual(['failed']);
    // nothing left to close: no revision
    await store.closeRun(id, 'completed', 'run completed');
    expect((await store.getRun(id))?.detail_revision).toBe(revised.detail_revision);
  });

  test('a run with no candidates closes', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.updateRun(id, { candidate_models: [] });
    expect(await store.closeRun(id, 'failed', 'no records')).toBe(true);
    expect((await store.getRun(id))?.status).toBe('failed');
  });

  test('closing a run with a step still open closes it and snapshots the closed step', async () => {
    const id = newRunId();
    await store.createRun(init(id));
    await store.updateRun(id, { candidate_models: ['meta/a'] });
    await store.createNim(id, 'meta/a');
    await store.startEvaluation(id, 'meta/a', 'base-eval'); // never finished
    await store.closeRun(id, 'cancelled', 'Job cancelled by user');
    const run = (await store.getRun(id)) as NonNullable<Awaited<ReturnType<ResultsStore['getRun']>>>;
    const detail = await store.getRunDetail(run);
    expect(detail.evaluations.map((e) => [e.status, e.error])).toEqual([['cancelled', 'Job cancelled by user']]);
    expect(detail.nims.map((n) => n.status)).toEqual(['cancelled']);
  });

  test("a write to a finished run's steps revises its detail; a snapshot taken before the write is never used", async () => {
    const { id, closed } = await closedRunOfOneCandidate();
    expect((await store.getRunDetail(closed)).nims[0]?.deployment_status).toBeNull(); // takes the snapshot

    await store.setNimDeploymentStatus(id, 'meta/a', 'deleted');
    // A reader that read the run before the write rebuilds (or keeps) its old view...
    await store.getRunDetail(closed);
    // ...but every reader after it sees the new revision, and the write.
    const revised = (await store.getRun(id)) as typeof closed;
    expect(revised.detail_revision).toBe((closed.detail_revision ?? 0) + 1);
    expect((await store.getRunDetail(revised)).nims[0]?.deployment_status).toBe('deleted');
  });
});
