import { workflowIdForJob } from '../../workflows/contract';
import { sleep } from '../support/rng';
import { judgeRun, liveDeployments, type RunVerdict } from './invariants';
import { ChaosRig, type RigOptions, type RigServers } from './rig';

// What a scenario is given and what it hands back to the table.

export interface ScenarioContext {
  /** The shared stack (scenarios that stop a server start private ones instead). */
  servers: RigServers;
  timeScale: number;
  seed: number;
  /** How long the clean baseline run took, to place random points inside a run. */
  runMs: number;
  log: (message: string) => void;
}

export interface JudgedRun {
  verdict: RunVerdict;
  /** The run ended the way the scenario expects (e.g. completed, or cancelled). */
  survived: boolean;
  expected: string;
  /** Filled in after the clean replays: completed evaluations whose scores differ. */
  baselineMismatches: string[];
}

export interface ScenarioOutcome {
  scenario: string;
  runs: JudgedRun[];
  /** Deployments still live anywhere in the scenario's emulator once every run ended. */
  strayDeployments: string[];
  notes: string[];
  /** Set when the scenario itself could not run (its runs are then missing from the table). */
  error?: string;
}

export type Expectation =
  | { kind: 'completed' }
  | { kind: 'cancelled-or-completed' }
  | { kind: 'only-failed'; model: string };

export function describeExpectation(e: Expectation): string {
  if (e.kind === 'only-failed') return `completed, only ${e.model} failed`;
  return e.kind;
}

export function meets(v: RunVerdict, e: Expectation): boolean {
  if (!v.terminal) return false;
  if (e.kind === 'completed') return v.runStatus === 'completed' && v.failedModels.length === 0;
  if (e.kind === 'cancelled-or-completed') return v.runStatus === 'cancelled' || v.runStatus === 'completed';
  return v.runStatus === 'completed' && v.failedModels.length === 1 && v.failedModels[0] === e.model;
}

/** Waits for a run's end, giving up after `timeoutMs` (the verdict then says not terminal). */
export async function awaitRun(rig: ChaosRig, jobId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const handle = rig.client.workflow.getHandle(workflowIdForJob(jobId));
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      rig.result(jobId).then(
        () => true,
        // a failed or cancelled run rejects too; a server that is down rejects while it runs
        async () => (await handle.describe().catch(() => undefined))?.status.name !== 'RUNNING',
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), deadline - Date.now());
      }),
    ]);
    clearTimeout(timer);
    if (ended) return;
    await sleep(500);
  }
}

export async function judge(
  rig: ChaosRig,
  _ctx: ScenarioContext,
  jobId: string,
  expectation: Expectation,
): Promise<JudgedRun> {
  const verdict = await judgeRun(rig, jobId);
  return {
    verdict,
    survived: meets(verdict, expectation),
    expected: describeExpectation(expectation),
    baselineMismatches: [],
  };
}

/** Starts a rig, runs `body`, records stray deployments, and always tears the rig down. */
export async function withRig(
  options: RigOptions,
  body: (rig: ChaosRig) => Promise<Omit<ScenarioOutcome, 'strayDeployments'>>,
): Promise<ScenarioOutcome> {
  const rig = new ChaosRig(options);
  try {
    await rig.start();
    const outcome = await body(rig);
    await rig.admin('DELETE', '/admin/faults');
    const strayDeployments = await liveDeployments(rig);
    if (rig.unexpectedWorkerExits > 0) {
      outcome.notes.push(`worker died on its own ${rig.unexpectedWorkerExits}x and was restarted`);
    }
    return { ...outcome, strayDeployments };
  } finally {
    await rig.close();
  }
}
