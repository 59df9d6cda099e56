import { mismatches } from './invariants';
import type { RigServers } from './rig';
import type { ScenarioContext, ScenarioOutcome } from './scenario';
import { CleanBaseline } from './scenarios/baseline';
import { cancelAtRandomPoints } from './scenarios/cancel';
import { emulatorFaults } from './scenarios/emulator-faults';
import { serverOutage } from './scenarios/server-outage';
import { workerKill } from './scenarios/worker-kill';

// The chaos suite: a clean run (timing reference), then every scenario side by side, each on
// a rig of its own (most of a disturbed run is waiting for timeouts, so this fits the budget),
// then clean replays of every disturbed job, then one table. `full` is `npm run chaos`;
// `reduced` runs inside the test command.

export interface ChaosPlan {
  name: 'full' | 'reduced';
  killRuns: number;
  kills: number;
  /** Where kills land: each kill this fraction range of a clean run after the previous (re)start. */
  killWindow: [number, number];
  cancelRuns: number;
  cancelBatch: number;
  /** Rounds of the four emulator-fault runs (route faults only, stall, never ready, NotEnoughResources). */
  faultRounds: number;
  temporalRestarts: number;
  mongoOutages: number;
  elasticsearchOutages: number;
  /** Run the scenarios side by side (each on its own rig) rather than one after another. */
  concurrent: boolean;
}

export const PLANS: Record<ChaosPlan['name'], ChaosPlan> = {
  full: {
    name: 'full',
    killRuns: 5,
    kills: 20,
    killWindow: [0.05, 0.6],
    cancelRuns: 20,
    cancelBatch: 5,
    faultRounds: 2,
    temporalRestarts: 2,
    mongoOutages: 2,
    elasticsearchOutages: 1,
    concurrent: true,
  },
  reduced: {
    name: 'reduced',
    killRuns: 1,
    kills: 1,
    // one kill while NeMo jobs run (most of a run); the full set also kills in the dataset build.
    // The build is the first ~25 % of a clean run: a kill there waits out its 2-minute heartbeat
    // timeout, which cost this scenario 200 s of the test command's time.
    killWindow: [0.45, 0.9],
    cancelRuns: 4,
    cancelBatch: 4,
    faultRounds: 1,
    temporalRestarts: 1,
    mongoOutages: 1,
    elasticsearchOutages: 0,
    concurrent: true,
  },
};

export interface TableRow {
  scenario: string;
  runs: number;
  survived: number;
  leakedDeployments: number;
  duplicateJobs: number;
  lostResults: number;
  baselineMismatches: number;
  seconds: number;
}

export interface ChaosReport {
  plan: ChaosPlan;
  seed: number;
  rows: TableRow[];
  outcomes: ScenarioOutcome[];
  /** Every broken invariant, one line each; empty when the suite passed. */
  violations: string[];
}

export async function runChaos(
  plan: ChaosPlan,
  options: { servers: RigServers; seed: number; timeScale?: number; log?: (m: string) => void; only?: ScenarioKey[] },
): Promise<ChaosReport> {
  const log = options.log ?? ((m: string) => console.log(`[chaos] ${m}`));
  const timeScale = options.timeScale ?? 0.01;
  const baseline = await CleanBaseline.open(options.servers, timeScale);
  try {
    log(`clean run: ${baseline.runMs} ms`);
    const ctx: ScenarioContext = {
      servers: options.servers,
      timeScale,
      seed: options.seed,
      runMs: baseline.runMs,
      log,
    };
    return await runScenarios(plan, ctx, baseline, options.only);
  } finally {
    await baseline.close();
  }
}

export const SCENARIO_KEYS = ['kill', 'cancel', 'faults', 'temporal', 'mongodb', 'elasticsearch'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

async function runScenarios(
  plan: ChaosPlan,
  ctx: ScenarioContext,
  baseline: CleanBaseline,
  only?: ScenarioKey[],
): Promise<ChaosReport> {
  const log = ctx.log;

  const LABELS: Record<ScenarioKey, string> = {
    kill: 'worker kill -9',
    cancel: 'cancel at random points',
    faults: 'emulator faults',
    temporal: 'Temporal restarted mid-run',
    mongodb: 'MongoDB unavailable',
    elasticsearch: 'Elasticsearch unavailable',
  };
  const all: [ScenarioKey, boolean, () => Promise<ScenarioOutcome>][] = [
    ['kill', plan.killRuns > 0, () => workerKill(ctx, plan.killRuns, plan.kills, plan.killWindow)],
    ['cancel', plan.cancelRuns > 0, () => cancelAtRandomPoints(ctx, plan.cancelRuns, plan.cancelBatch)],
    ['faults', plan.faultRounds > 0, () => emulatorFaults(ctx, plan.faultRounds)],
    ['temporal', plan.temporalRestarts > 0, () => serverOutage(ctx, 'temporal', plan.temporalRestarts)],
    ['mongodb', plan.mongoOutages > 0, () => serverOutage(ctx, 'mongodb', plan.mongoOutages)],
    [
      'elasticsearch',
      plan.elasticsearchOutages > 0,
      () => serverOutage(ctx, 'elasticsearch', plan.elasticsearchOutages),
    ],
  ];
  // a scenario that cannot run (e.g. its private server does not start) is reported, not fatal
  const scenarios = all
    .filter(([key, planned]) => planned && (!only || only.includes(key)))
    .map(
      ([key, , run]) =>
        () =>
          run().catch(
            (err: unknown): ScenarioOutcome => ({
              scenario: LABELS[key],
              runs: [],
              strayDeployments: [],
              notes: [],
              error: err instanceof Error ? err.message : String(err),
            }),
          ),
    );

  const timed = async (scenario: () => Promise<ScenarioOutcome>) => {
    const started = Date.now();
    const outcome = await scenario();
    const seconds = (Date.now() - started) / 1000;
    log(`${outcome.scenario}: done in ${Math.round(seconds)} s; ${outcome.notes.join('; ')}`);
    return { outcome, seconds };
  };
  const done: { outcome: ScenarioOutcome; seconds: number }[] = [];
  if (plan.concurrent) done.push(...(await Promise.all(scenarios.map(timed))));
  else for (const scenario of scenarios) done.push(await timed(scenario));
  const outcomes = done.map((d) => d.outcome);

  // every run that kept completed evaluations, replayed cleanly under the same job id
  const toReplay = outcomes.flatMap((o) =>
    o.runs.filter((r) => r.verdict.terminal && Object.keys(r.verdict.scores).length > 0),
  );
  const started = Date.now();
  const clean = await baseline.replay(toReplay.map((r) => r.verdict.jobId));
  log(`${toReplay.length} clean replays in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const r of toReplay) r.baselineMismatches = mismatches(r.verdict.scores, clean.get(r.verdict.jobId) ?? {});
  const rows = done.map((d) => rowOf(d.outcome, d.seconds));
  return { plan, seed: ctx.seed, rows, outcomes, violations: outcomes.flatMap(violationsOf) };
}

function rowOf(o: ScenarioOutcome, seconds: number): TableRow {
  const sum = (f: (r: ScenarioOutcome['runs'][number]) => number) => o.runs.reduce((n, r) => n + f(r), 0);
  return {
    scenario: o.scenario,
    runs: o.runs.length,
    survived: o.runs.filter((r) => r.survived).length,
    // a deployment left live by a run, or live in the emulator after every run ended
    leakedDeployments: Math.max(
      sum((r) => r.verdict.leakedDeployments.length),
      o.strayDeployments.length,
    ),
    duplicateJobs: sum((r) => r.verdict.duplicateJobs.length),
    lostResults: sum((r) => r.verdict.lostResults.length),
    baselineMismatches: sum((r) => r.baselineMismatches.length),
    seconds: Math.round(seconds),
  };
}

function violationsOf(o: ScenarioOutcome): string[] {
  const out: string[] = [];
  for (const { verdict: v, survived, expected, baselineMismatches } of o.runs) {
    const at = `${o.scenario} / run ${v.jobId}`;
    if (!survived) {
      out.push(
        `${at}: expected ${expected}, got workflow ${v.workflowStatus}, run ${v.runStatus}, failed [${v.failedModels.join(', ')}]; ${v.errors.join('; ')}`,
      );
    }
    for (const d of v.leakedDeployments) out.push(`${at}: leaked deployment ${d}`);
    for (const d of v.duplicateJobs) out.push(`${at}: created twice: ${d}`);
    for (const d of v.lostResults) out.push(`${at}: lost result ${d}`);
    for (const d of baselineMismatches) out.push(`${at}: differs from baseline: ${d}`);
  }
  if (o.error) out.push(`${o.scenario}: could not run: ${o.error}`);
  for (const d of o.strayDeployments) out.push(`${o.scenario}: deployment still live at the end: ${d}`);
  return out;
}

export function formatTable(rows: TableRow[]): string {
  const header = [
    'scenario',
    'runs',
    'survived',
    'leaked deployments',
    'duplicate jobs',
    'lost results',
    'differs from baseline',
    'seconds',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.runs,
    r.survived,
    r.leakedDeployments,
    r.duplicateJobs,
    r.lostResults,
    r.baselineMismatches,
    r.seconds,
  ]);
  const total = ['total', ...[1, 2, 3, 4, 5, 6, 7].map((i) => body.reduce((n, row) => n + Number(row[i]), 0))];
  const all = [header, ...body, total].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)));
  const line = (row: string[]) =>
    `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(all[0] as string[]), rule, ...all.slice(1).map(line)].join('\n');
}
