import { Worker } from '@temporalio/worker';
import { generations, readRecordedHistories, strayCorpusEntries } from '../support/flywheel-histories';
import { workflowBundle } from '../support/temporal';

// Exercises: workflows/patches.ts, workflows/candidate-run.ts, workflows/embedding-candidate-run.ts, workflows/delete-run.ts (replayed from recorded histories, every patched() gate both ways across generations)

// Determinism guard: histories recorded from real runs of every released generation of the
// workflow code (full run, cancellations, failures, a crashed worker, deletion, the GPU ledger
// across continue-as-new) must replay against the current code. An upgrade moves unversioned
// and auto-upgrading workflows onto the new code mid-history; a change that alters the commands
// such a workflow issues fails here. Gate it with `patched()` instead.

const histories = readRecordedHistories();

describe('the replay corpus', () => {
  test('holds only generation directories, each with histories', () => {
    expect(strayCorpusEntries()).toEqual([]);
    const gens = generations();
    expect(gens[0]).toBe('001-pre-versioning');
    for (const g of gens) expect(histories.filter((h) => h.generation === g).length).toBeGreaterThan(0);
  });

  test('the newest generation covers every workflow type and path', () => {
    const newest = generations().at(-1);
    const files = histories.filter((h) => h.generation === newest);
    const types = new Set(files.map((h) => h.workflowType));
    expect([...types].sort()).toEqual([
      'candidateRun',
      'deleteRun',
      'embeddingCandidateRun',
      'flywheelRun',
      'gpuBudget',
    ]);
    const runs = files
      .filter((h) => h.workflowType === 'flywheelRun')
      .map((h) => h.file.replace(/-flywheelRun\.json$/, ''));
    expect(runs.sort()).toEqual(
      expect.arrayContaining([
        'cancel-by-raw-signal',
        'cancel-during-evals',
        'candidate-failure',
        'dataset-failure',
        'embedding-job',
        'full-run',
        'local-judge',
        'regression-gate-aggressive',
      ]),
    );
    const ledger = files.filter((h) => h.workflowType === 'gpuBudget');
    const continued = ledger.filter((h) =>
      h.history.events.some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
    );
    expect(continued.length).toBeGreaterThan(0);
  });
});

// One replay worker for the whole corpus (a worker per history cost ~1.4 s each); every history
// still reports as its own test.
const outcomes = new Map<(typeof histories)[number], string | null>();

beforeAll(async () => {
  const replayed = Worker.runReplayHistories(
    { workflowBundle: await workflowBundle() },
    histories.map((h) => ({ history: h.history, workflowId: h.workflowId })),
  );
  let i = 0;
  for await (const result of replayed) {
    const h = histories[i++];
    if (!h) throw new Error(`replay yielded more results than histories (${result.workflowId})`);
    if (result.workflowId !== h.workflowId) throw new Error(`replay order: ${result.workflowId} for ${h.file}`);
    outcomes.set(h, result.error ? String(result.error.stack ?? result.error) : null);
  }
}, 600_000);

describe.each(generations())('generation %s replays against the current workflow code', (generation) => {
  const mine = histories.filter((h) => h.generation === generation);
  test.each(mine.map((h) => [h.file, h] as const))('%s', (_file, h) => {
    expect(outcomes.has(h)).toBe(true);
    expect(outcomes.get(h)).toBeNull();
  });
});
