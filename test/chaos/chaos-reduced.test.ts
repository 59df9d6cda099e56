import { servers } from '../support/servers';
import { type ChaosReport, formatTable, PLANS, runChaos } from './suite';

// The reduced chaos seed set, inside the test command: one worker kill -9, four cancels, the
// four emulator-fault runs, a Temporal restart and a MongoDB outage (private servers for the
// last two), side by side on the real stack. `npm run chaos` runs the full set.

describe('flywheel runs under chaos (reduced seed set)', () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos(PLANS.reduced, {
      seed: 1,
      servers: {
        temporalAddress: servers.TEMPORAL_ADDRESS,
        mongoUrl: servers.MONGODB_URL,
        elasticsearchUrl: servers.ELASTICSEARCH_URL,
      },
      log: () => undefined,
    });
    process.stdout.write(`\nchaos (reduced, seed 1)\n${formatTable(report.rows)}\n`);
  }, 600_000);

  const runs = () => report.outcomes.flatMap((o) => o.runs.map((r) => ({ scenario: o.scenario, ...r })));
  const listed = (pick: (r: ReturnType<typeof runs>[number]) => string[]) =>
    runs().flatMap((r) => pick(r).map((p) => `${r.scenario} / ${r.verdict.jobId}: ${p}`));

  test('every scenario ran its runs', () => {
    expect(report.rows.map((r) => [r.scenario, r.runs])).toEqual([
      ['worker kill -9', 1],
      ['cancel at random points', 4],
      ['emulator faults', 4],
      ['Temporal restarted mid-run', 1],
      ['MongoDB unavailable', 1],
    ]);
  });

  test('every run reaches a terminal status in Temporal and in MongoDB', () => {
    expect(listed((r) => (r.verdict.terminal ? [] : [`${r.verdict.workflowStatus} / ${r.verdict.runStatus}`]))).toEqual(
      [],
    );
  });

  test('no deployment is left live in the emulator', () => {
    expect(listed((r) => r.verdict.leakedDeployments)).toEqual([]);
    expect(report.outcomes.flatMap((o) => o.strayDeployments)).toEqual([]);
  });

  test('no NeMo job or deployment is created twice', () => {
    expect(listed((r) => r.verdict.duplicateJobs)).toEqual([]);
  });

  test('every evaluation NeMo finished is kept in MongoDB with its scores', () => {
    expect(listed((r) => r.verdict.lostResults)).toEqual([]);
  });

  test('completed evaluations score exactly as a clean run of the same job', () => {
    expect(listed((r) => r.baselineMismatches)).toEqual([]);
    expect(runs().filter((r) => Object.keys(r.verdict.scores).length > 0).length).toBeGreaterThan(0);
  });

  test('every run ends as its scenario expects: completed, cancelled, or only the faulted candidate failed', () => {
    expect(
      listed((r) =>
        r.survived ? [] : [`expected ${r.expected}, got ${r.verdict.runStatus}: ${r.verdict.errors.join('; ')}`],
      ),
    ).toEqual([]);
  });
});
