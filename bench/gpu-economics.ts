import { randomBytes } from 'node:crypto';
import type { FlywheelConfig } from '../config/schema';
import { resolveDurations } from '../nemo-emulator/runtime/durations';
import { type EmulatorGpus, FlywheelHarness, MODELS } from '../test/support/flywheel-harness';
import type { FlywheelRunResult } from '../workflows/contract';
import { runBlueprintJob } from './lib/blueprint-schedule';
import { quietTemporalRuntime, round, table, writeResults } from './lib/report';

// Benchmark: GPU economics (issue 14). 10 runs x 3 candidates arrive over a window of simulated
// time under a budget of 4 GPUs, against the emulator's realistic profile at a time scale. The
// same workload runs twice on one emulator, one schedule after the other:
//   flywheel   runs start as they arrive; gpu_policy.nim_release auto (the shipped default)
//   blueprint  the Blueprint's schedule (bench/lib/blueprint-schedule.ts): one run at a time (a
//              run starts when it has arrived and the previous one has finished), one candidate
//              at a time, each in the Blueprint's DAG order (deploy, base + ICL evaluations, then
//              the customization with the NIM held, the customized evaluation, shutdown), through
//              the flywheel's own activities on the same emulator
// Every figure comes from the emulator's GPU meter (GET /admin/gpus), in realistic seconds.
//
// Work (the physical limit) = GPU-seconds a candidate cannot do without: its NIM loading ONCE
// (first_loading_gpu_seconds) + its NIM serving evaluations (union of the evaluation jobs'
// running intervals) + its training job training. Reloads (a NIM redeployed after being released
// during training), evaluation queueing, adapter sync, deletion and idle holding are not work;
// they count in "held" only.
//
// Makespan = first arrival -> last run finished. Its lower bound is the larger of total work /
// budget and the longest dependent chain, where a run's chain starts at its arrival: arrival +
// max(NIM accept + load + base/ICL evaluation, training accept + queue + training + adapter
// sync) + the customized evaluation, from the emulator's durations and the measured training.
//
//   npm run bench -- gpu-economics
//   BENCH_TIME_SCALE=0.01 BENCH_ARRIVAL_WINDOW_S=604800 npm run bench -- gpu-economics  (a full week)

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
/** Arrivals are spread over this many simulated (realistic) seconds. */
const WINDOW_S = Number(process.env.BENCH_ARRIVAL_WINDOW_S ?? 4 * 3600);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const BUDGET = 4;
const SEED = 14;
const TARGETS = { heldOverWork: 1.15, makespanOverBound: 1.2, gpuHoursVsBlueprint: 2, makespanVsBlueprint: 3 };

/** Deterministic arrival offsets (realistic seconds): the first at 0, the others uniform in the window. */
function arrivals(): number[] {
  let s = SEED;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  return [0, ...Array.from({ length: RUNS - 1 }, () => next() * WINDOW_S)].sort((a, b) => a - b);
}

interface Phase {
  name: 'flywheel' | 'blueprint';
  makespanS: number;
  runs: {
    jobId: string;
    arrivalS: number;
    startS: number;
    endS: number;
    status: string;
    failed: number;
    error?: string;
  }[];
  held: number;
  work: number;
  reloads: number;
  loading: number;
  firstLoading: number;
  working: number;
  trainingHeld: number;
  trainingWork: number;
  nimHeld: number;
  nimIdle: number;
  peakGpus: number;
  maxTrainingS: number;
  loads: number;
  deployments: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runPhase(h: FlywheelHarness, name: Phase['name'], configName: string): Promise<Phase> {
  const before = await h.gpus();
  const offsets = arrivals();
  const t0 = Date.now();
  const runs: Phase['runs'] = [];
  let sampling = true;
  let peak = 0;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await h.gpus()).gpus_in_use);
      await sleep(100);
    }
  })();
  const wallS = () => (Date.now() - t0) / 1000;
  const one = async (arrivalS: number): Promise<void> => {
    const due = t0 + arrivalS * TIME_SCALE * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    const jobId = randomBytes(12).toString('hex');
    const startS = wallS();
    const outcome =
      name === 'flywheel'
        ? await flywheelRun(h, jobId, configName)
        : await runBlueprintJob(h, jobId, configName).then((r) => ({
            status: r.status,
            failed: r.status === 'completed' ? 0 : 1,
            ...(r.error ? { error: r.error } : {}),
          }));
    runs.push({ jobId, arrivalS, startS: startS / TIME_SCALE, endS: wallS() / TIME_SCALE, ...outcome });
  };
  if (name === 'flywheel') await Promise.all(offsets.map(one));
  else for (const a of offsets) await one(a);
  const makespanS = wallS() / TIME_SCALE;
  // deleted deployments hold their GPUs until the record is gone
  for (let i = 0; i < 200 && (await h.gpus()).gpus_in_use > 0; i++) await sleep(50);
  sampling = false;
  await sampler;
  const after = await h.gpus();
  return {
    name,
    makespanS,
    runs,
    peakGpus: Math.max(peak, name === 'flywheel' ? after.peak_gpus_in_use : 0),
    ...meterDiff(before, after),
  };
}

async function flywheelRun(h: FlywheelHarness, jobId: string, configName: string) {
  const result: FlywheelRunResult = await h.result(await h.startRun({ jobId, configName }));
  return { status: result.status, failed: result.candidatesFailed };
}

/** What the meter counted between two snapshots (holders are new per phase: new job ids). */
function meterDiff(before: EmulatorGpus, after: EmulatorGpus) {
  const fresh = <T>(a: Record<string, T>, b: Record<string, T>) =>
    Object.entries(a)
      .filter(([k]) => !(k in b))
      .map(([, v]) => v as Record<string, number>);
  const deps = fresh(after.deployments, before.deployments);
  const train = fresh(after.training_jobs, before.training_jobs);
  const sum = (rows: Record<string, number>[], f: string) => rows.reduce((n, r) => n + Number(r[f] ?? 0), 0);
  const firstLoading = sum(deps, 'first_loading_gpu_seconds');
  const loading = sum(deps, 'loading_gpu_seconds');
  const serving = sum(deps, 'working_gpu_seconds');
  const trainingWork = sum(train, 'working_gpu_seconds');
  const nimHeld = sum(deps, 'held_gpu_seconds');
  const trainingHeld = sum(train, 'held_gpu_seconds');
  const work = firstLoading + serving + trainingWork;
  return {
    held: nimHeld + trainingHeld,
    work,
    reloads: loading - firstLoading,
    loading,
    firstLoading,
    working: serving,
    trainingHeld,
    trainingWork,
    nimHeld,
    nimIdle: nimHeld - loading - serving,
    maxTrainingS: Math.max(0, ...train.map((t) => Number(t.working_gpu_seconds) / Number(t.gpus || 1))),
    loads: sum(deps, 'loads'),
    deployments: deps.length,
  };
}

/** Larger of total work / budget and the longest arrival-anchored dependent chain. */
function lowerBound(phase: Phase, config: FlywheelConfig) {
  const d = resolveDurations('realistic');
  const evalS =
    (d.evaluation_accept_ms + d.evaluation_queue_ms + config.data_split_config.eval_size * d.evaluation_item_ms) / 1000;
  const nimPath = (d.deployment_accept_ms + d.deployment_start_ms) / 1000 + evalS;
  const trainPath =
    (d.customization_accept_ms + d.customization_queue_ms + d.adapter_sync_ms) / 1000 + phase.maxTrainingS;
  const chainS = Math.max(nimPath, trainPath) + evalS;
  const lastArrival = Math.max(...arrivals());
  const chainBound = lastArrival + chainS;
  const workBound = phase.work / BUDGET;
  return { chainS, chainBound, workBound, bound: Math.max(chainBound, workBound) };
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  const h = new FlywheelHarness({ timeScale: TIME_SCALE, profile: 'realistic' });
  await h.start();
  try {
    // the flywheel shares a NIM among the runs that need its model at once (the shipped default)
    const base = h.config({ models: MODELS, gpuBudget: BUDGET, shareNims: process.env.BENCH_SHARE_NIMS !== '0' });
    // the shipped data sizes (the harness shrinks them), so training lasts what it would
    const shipped = (await import('../config/load')).loadFlywheelConfig('default', {});
    const config: FlywheelConfig = { ...base, data_split_config: shipped.data_split_config };
    // The expected times are realistic milliseconds for a real cluster; the workflow compares them
    // with the wall clock, so at a time scale they are scaled too (unscaled, `auto` would think a
    // finished training had nearly all of it left).
    const p = config.gpu_policy;
    const scaled = {
      expected_deployment_ms: Math.round(p.expected_deployment_ms * TIME_SCALE),
      expected_training_base_ms: Math.round(p.expected_training_base_ms * TIME_SCALE),
      expected_training_ms_per_record_epoch: p.expected_training_ms_per_record_epoch * TIME_SCALE,
    };
    h.configs.set('flywheel', { ...config, gpu_policy: { ...p, ...scaled, nim_release: 'auto' } });
    h.configs.set('blueprint', { ...config, gpu_policy: { ...p, ...scaled, nim_release: 'hold' } });

    console.log(
      `time scale ${TIME_SCALE}, ${RUNS} runs x ${MODELS.length} candidates arriving over ${WINDOW_S} simulated s, budget ${BUDGET} GPUs`,
    );
    const ours = await runPhase(h, 'flywheel', 'flywheel');
    const bp = await runPhase(h, 'blueprint', 'blueprint');
    const lb = lowerBound(ours, config);

    const hrs = (s: number) => round(s / 3600, 2);
    console.log(
      table(
        [
          'schedule',
          'runs ok',
          'GPU-h held',
          'GPU-h work',
          'held / work',
          'NIM idle GPU-h',
          'reload GPU-h',
          'NIM loads',
          'makespan h',
          'lower bound h',
          'makespan / bound',
          'peak GPUs',
        ],
        [ours, bp].map((p) => [
          p.name,
          `${p.runs.filter((r) => r.status === 'completed' && r.failed === 0).length}/${RUNS}`,
          hrs(p.held),
          hrs(p.work),
          round(p.held / p.work),
          hrs(p.nimIdle),
          hrs(p.reloads),
          `${p.loads}/${p.deployments}`,
          hrs(p.makespanS),
          hrs(lb.bound),
          round(p.makespanS / lb.bound),
          p.peakGpus,
        ]),
      ),
    );
    // Where a NIM's idle seconds go: what the emulator makes every deployment wait with the NIM
    // up and nothing running on it (accept, each evaluation's accept + queue, adapter sync, delete),
    // and the rest (waiting for the training to end, orchestration between steps).
    const d = resolveDurations('realistic');
    const fixedIdleS =
      (d.deployment_accept_ms +
        2 * (d.evaluation_accept_ms + d.evaluation_queue_ms) +
        d.adapter_sync_ms +
        d.deployment_delete_ms) /
      1000;
    for (const p of [ours, bp]) {
      const perNim = p.nimIdle / p.deployments;
      console.log(
        `${p.name}: NIM idle ${round(perNim)} s per deployment, of which ${round(fixedIdleS)} s the emulator's accept/queue/sync/delete waits, ${round(perNim - fixedIdleS)} s other (training not done yet, orchestration); training leases ${round(p.trainingHeld / 3600)} GPU-h on the cluster`,
      );
    }
    console.log(
      `lower bound: max(work / ${BUDGET} = ${hrs(lb.workBound)} h, last arrival + chain = ${hrs(lb.chainBound)} h; chain ${round(lb.chainS)} s)`,
    );
    const checks = [
      {
        target: `held / work <= ${TARGETS.heldOverWork}`,
        value: ours.held / ours.work,
        ok: ours.held / ours.work <= TARGETS.heldOverWork,
      },
      {
        target: `makespan <= ${TARGETS.makespanOverBound} x lower bound`,
        value: ours.makespanS / lb.bound,
        ok: ours.makespanS / lb.bound <= TARGETS.makespanOverBound,
      },
      {
        target: `>= ${TARGETS.gpuHoursVsBlueprint}x fewer GPU-hours than the Blueprint`,
        value: bp.held / ours.held,
        ok: bp.held / ours.held >= TARGETS.gpuHoursVsBlueprint,
      },
      {
        target: `>= ${TARGETS.makespanVsBlueprint}x shorter makespan than the Blueprint`,
        value: bp.makespanS / ours.makespanS,
        ok: bp.makespanS / ours.makespanS >= TARGETS.makespanVsBlueprint,
      },
      {
        target: `peak GPUs <= budget ${BUDGET}`,
        value: Math.max(ours.peakGpus, bp.peakGpus),
        ok: Math.max(ours.peakGpus, bp.peakGpus) <= BUDGET,
      },
    ];
    console.log(
      table(
        ['target', 'measured', 'pass'],
        checks.map((c) => [c.target, round(c.value), c.ok ? 'pass' : 'FAIL']),
      ),
    );
    const file = writeResults('gpu-economics', {
      timeScale: TIME_SCALE,
      arrivalWindowS: WINDOW_S,
      runs: RUNS,
      candidatesPerRun: MODELS.length,
      gpuBudget: BUDGET,
      arrivalsS: arrivals().map((a) => round(a)),
      lowerBound: lb,
      checks,
      phases: [ours, bp],
    });
    console.log(`written ${file}`);
    const notClean = [ours, bp].flatMap((p) => p.runs).filter((r) => r.status !== 'completed' || r.failed > 0);
    if (notClean.length > 0) {
      console.log(`runs not clean: ${JSON.stringify(notClean)}`);
      process.exitCode = 1;
    }
  } finally {
    await h.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
