import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmulatorCounters, judgeRun } from '../chaos/invariants';
import { freePort, PrivateFerretDb, waitUntil } from '../chaos/private-servers';
import { ChaosRig, MODELS } from '../chaos/rig';
import { servers } from '../support/servers';
import { LONG_WAITS, runActivityAttempts } from './run-history';

// Issue 20: a stalled store or a blocked worker event loop, each for longer than the heartbeat
// timeout, costs time and never a result or a second NeMo job. The store stall must not even
// time a heartbeat out (heartbeats do not wait on the store); the event-loop block must (no
// code runs), and then the retried activities resume the same remote jobs.

const HEARTBEAT_TIMEOUT_MS = 2000;
const STALL_MS = 3 * HEARTBEAT_TIMEOUT_MS;

function rigOn(mongoUrl: string, workerEnv: Record<string, string> = {}): ChaosRig {
  return new ChaosRig({
    servers: { temporalAddress: servers.TEMPORAL_ADDRESS, mongoUrl, elasticsearchUrl: servers.ELASTICSEARCH_URL },
    timeScale: 0.02,
    models: MODELS.slice(0, 1),
    timing: { poll_interval_ms: 100, heartbeat_timeout_ms: HEARTBEAT_TIMEOUT_MS },
    workerEnv,
  });
}

/** Resolves once the emulator has an evaluation job of the run: a long wait is in flight. */
function evaluationStarted(rig: ChaosRig, jobId: string): Promise<void> {
  return waitUntil(
    'an evaluation job of the run',
    async () => {
      const counters = await rig.admin<EmulatorCounters>('GET', '/admin/counters');
      return Object.keys(counters.created.evaluation_jobs).some((name) => name.includes(jobId));
    },
    240_000, // a run reaches its evaluations in ~10 s alone, minutes on a crowded machine
  );
}

async function expectCleanRun(rig: ChaosRig, jobId: string) {
  const result = await rig.result(jobId);
  const verdict = await judgeRun(rig, jobId);
  expect({ status: result.status, candidatesFailed: result.candidatesFailed, errors: verdict.errors }).toEqual({
    status: 'completed',
    candidatesFailed: 0,
    errors: [],
  });
  expect(verdict.duplicateJobs).toEqual([]);
  expect(verdict.leakedDeployments).toEqual([]);
  expect(verdict.lostResults).toEqual([]);
  const { evaluations } = await rig.results.findRunSteps(jobId);
  expect(evaluations.map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
  return runActivityAttempts(rig, jobId);
}

describe('stalls longer than the heartbeat timeout', () => {
  test('the store frozen (SIGSTOP) mid-run: no heartbeat times out, the run completes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-store-stall-'));
    const store = new PrivateFerretDb('ferretdb', await freePort(), dir);
    await store.start();
    const rig = rigOn(store.url);
    try {
      await rig.start();
      const jobId = rig.newJobId();
      await rig.startRun(jobId);
      await evaluationStarted(rig, jobId);
      store.signal('SIGSTOP');
      await new Promise((r) => setTimeout(r, STALL_MS));
      store.signal('SIGCONT');
      const attempts = await expectCleanRun(rig, jobId);
      const retriedWaits = attempts.filter((a) => LONG_WAITS.has(a.activity) && a.attempt > 1);
      expect(retriedWaits).toEqual([]);
    } finally {
      await rig.close();
      await store.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 480_000);

  test('the worker event loop blocked: the timed-out waits resume their remote jobs', async () => {
    const rig = rigOn(servers.MONGODB_URL, { CHAOS_BLOCK_MS: String(STALL_MS) });
    try {
      await rig.start();
      const jobId = rig.newJobId();
      await rig.startRun(jobId);
      await evaluationStarted(rig, jobId);
      rig.signalWorker('SIGUSR2');
      const attempts = await expectCleanRun(rig, jobId);
      // the block did time the in-flight waits out, and their retries found the same jobs
      expect(attempts.filter((a) => LONG_WAITS.has(a.activity) && a.attempt > 1).length).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  }, 480_000);
});
