import { customizationJobKey, deploymentName } from '../../../activities/naming';
import { MODELS } from '../rig';
import {
  awaitRun,
  type Expectation,
  type JudgedRun,
  judge,
  type ScenarioContext,
  type ScenarioOutcome,
  withRig,
} from '../scenario';

// NeMo misbehaving, on every route and in the job life cycles, all at once in one emulator:
// 10% 5xx, 5% 429 and 5% hung requests everywhere, plus per run one candidate whose
// customization stalls, whose deployment never becomes ready, or whose customization waits
// for GPUs forever (NotEnoughResources). The affected candidate must fail cleanly (its
// deployment torn down, its other results kept), the other complete with baseline scores.

type LifecycleFault = 'none' | 'stalled customization' | 'deployment never ready' | 'NotEnoughResources';
const FAULTS: LifecycleFault[] = ['none', 'stalled customization', 'deployment never ready', 'NotEnoughResources'];

export function emulatorFaults(ctx: ScenarioContext, rounds: number): Promise<ScenarioOutcome> {
  const [healthy, victim] = MODELS as [string, string];
  return withRig(
    {
      servers: ctx.servers,
      timeScale: ctx.timeScale,
      // short enough that a stuck job fails its candidate in seconds, long enough for healthy
      // jobs slowed by injected errors and hangs
      timing: { job_stall_timeout_ms: 8000, deployment_timeout_ms: 12_000, queue_timeout_ms: 8000 },
    },
    async (rig) => {
      const runs = Array.from({ length: rounds }, () =>
        FAULTS.map((fault) => ({ fault, jobId: rig.newJobId() })),
      ).flat();
      const plan = {
        seed: ctx.seed,
        routes: {
          '*': { error_5xx_rate: 0.1, error_429_rate: 0.05, timeout_rate: 0.05, hang_ms: 2500 },
          // The emulated Evaluator sends its inference requests to this same route on itself:
          // faults there would fail evaluations inside "NeMo", not Flywheel's calls to it.
          'POST /v1/chat/completions': { error_5xx_rate: 0, error_429_rate: 0, timeout_rate: 0 },
        },
        customization: {
          stall: runs
            .filter((r) => r.fault === 'stalled customization')
            .map((r) => customizationJobKey(r.jobId, victim)),
          not_enough_resources: runs
            .filter((r) => r.fault === 'NotEnoughResources')
            .map((r) => customizationJobKey(r.jobId, victim)),
        },
        deployment: {
          never_ready: runs
            .filter((r) => r.fault === 'deployment never ready')
            .map((r) => deploymentName(r.jobId, victim)),
        },
      };
      await rig.admin('PUT', '/admin/faults', plan);
      await Promise.all(runs.map(({ jobId }) => rig.startRun(jobId)));
      await Promise.all(runs.map(({ jobId }) => awaitRun(rig, jobId, 300_000)));
      const counters = await rig.admin<{ faults_injected: Record<string, number> }>('GET', '/admin/counters');
      await rig.admin('DELETE', '/admin/faults');
      const judged: JudgedRun[] = [];
      for (const { fault, jobId } of runs) {
        const expectation: Expectation =
          fault === 'none' ? { kind: 'completed' } : { kind: 'only-failed', model: victim };
        const j = await judge(rig, ctx, jobId, expectation);
        judged.push({ ...j, expected: `${fault}: ${j.expected}` });
      }
      const injected = Object.entries(counters.faults_injected)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      return {
        scenario: 'emulator faults',
        runs: judged,
        notes: [`${runs.length} runs (${FAULTS.join(' / ')}) on ${healthy} + ${victim}; injected: ${injected}`],
      };
    },
  );
}
