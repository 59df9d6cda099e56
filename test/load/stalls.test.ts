import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { judgeRun } from '../chaos/invariants';
import { freePort, PrivateFerretDb, waitUntil } from '../chaos/private-servers';
import { ChaosRig, MODELS } from '../chaos/rig';
import type { EmulatorCounters } from '../support/emulator-client';
import { servers } from '../support/servers';
import { LONG_WAITS, type PendingWait, pendingLongWaits, runActivityAttempts } from './run-history';

// Issue 20: a stalled store or a blocked worker event loop, each for longer than the heartbeat
// timeout, costs time and never a result or a second NeMo job. The store stall must not even
// time a heartbeat out (heartbeats do not wait on the store); the event-loop block must (no
// code runs), and then the retried activities resume the same remote jobs.
// The emulator runs on a virtual clock the rig drives: its waits cost no wall time, and once
// the run's evaluation exists the clock is paused, so the NeMo jobs hold still (a long wait is
// surely in flight) for as long as the disturbance lasts. The disturbance itself is measured on
// the Temporal server's clock (heartbeat timeouts are wall time there), read from the server.

const HEARTBEAT_TIMEOUT_MS = 2000;
const STALL_MS = 3 * HEARTBEAT_TIMEOUT_MS;

function rigOn(mongoUrl: string, workerEnv: Record<string, string> = {}): ChaosRig {
  return new ChaosRig({
    servers: { temporalAddress: servers.TEMPORAL_ADDRESS, mongoUrl, elasticsearchUrl: servers.ELASTICSEARCH_URL },
    timeScale: 1,
    emulatorClock: 'virtual',
    models: MODELS.slice(0, 1),
    timing: { poll_interval_ms: 100, heartbeat_timeout_ms: HEARTBEAT_TIMEOUT_MS },
    workerEnv,
  });
}

/**
 * Resolves once the emulator has an evaluation job of the run, the virtual clock paused right
 * there: the job holds still, so its long wait is in flight until the test resumes the clock.
 */
async function holdAtEvaluation(rig: ChaosRig, jobId: string): Promise<void> {
  const clock = rig.clock;
  if (!clock) throw new Error('the stall rig drives a virtual clock');
  let held = false;
  void clock
    .pauseWhen(async () => {
      const counters = await rig.admin<EmulatorCounters>('GET', '/admin/counters');
      return Object.keys(counters.created.evaluation_jobs).some((name) => name.includes(jobId));
    })
    .then(() => {
      held = true;
    });
  // a run reaches its evaluations in seconds alone, minutes on a crowded machine
  await waitUntil('an evaluation job of the run', async () => held, 240_000);
}

/** Waits until a long wait of the run, as the Temporal server describes it, meets `check`. */
function untilPendingWait(rig: ChaosRig, jobId: string, what: string, check: (w: PendingWait) => boolean) {
  return waitUntil(what, async () => (await pendingLongWaits(rig, jobId)).some(check), 120_000);
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
      await holdAtEvaluation(rig, jobId);
      const frozenAt = Date.now();
      store.signal('SIGSTOP');
      // heartbeats kept reaching Temporal for longer than the stall: the store never held them up
      await untilPendingWait(
        rig,
        jobId,
        `a long wait heartbeating ${STALL_MS} ms into the store stall`,
        (w) => w.lastHeartbeatMs >= frozenAt + STALL_MS,
      );
      store.signal('SIGCONT');
      rig.clock?.resume();
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
      await holdAtEvaluation(rig, jobId);
      rig.signalWorker('SIGUSR2');
      // the NeMo jobs held still until a timed-out wait was retried: the retry meets the same job
      await untilPendingWait(rig, jobId, 'a retried long wait running', (w) => w.attempt > 1 && w.started);
      rig.clock?.resume();
      const attempts = await expectCleanRun(rig, jobId);
      // the block did time the in-flight waits out, and their retries found the same jobs
      expect(attempts.filter((a) => LONG_WAITS.has(a.activity) && a.attempt > 1).length).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  }, 480_000);
});
