import { TOKENS } from '../api/api-env';
import { apiOverHarness, terminateLeftovers } from '../api/harness-app';
import { eventually, FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { fakeTerminal, runInProcess, serveApp } from './cli-support';

// `flywheel jobs watch` on a (fake) terminal during a real run: a NeMo outage shows as a
// retried step with its last failure, candidate rows move past deploying, customized evals sit
// under their model, no line is wider than the terminal, and an API restart mid-run is waited
// out with a reconnecting line instead of ending the watch. The GPU ledger's row and the
// leases a candidate holds show while the run is live.

const COLUMNS = 100;
const STEPS = ['base-eval', 'icl-eval', 'customization', 'customized-eval'];

describe('jobs watch during a run', () => {
  const h = new FlywheelHarness({ timeScale: 0.02 });
  let app: ReturnType<typeof apiOverHarness>['app'];
  beforeAll(async () => {
    await h.start();
    ({ app } = apiOverHarness(h));
  }, 120_000);
  afterAll(async () => {
    await terminateLeftovers(h);
    await h.close();
  });

  test('rows update in order, fit the width, show retries, and survive an API restart', async () => {
    let server = await serveApp(app);
    const port = Number(new URL(server.url).port);
    const env = { FLYWHEEL_API_URL: server.url, FLYWHEEL_API_TOKEN: TOKENS[0] as string };
    // NeMo's deployment service is down at first: deployCandidate fails and Temporal retries it.
    await h.setFaults({ routes: { 'POST /v1/deployment/model-deployments': { error_5xx_rate: 1 } } });
    const created = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId }),
    });
    const { id } = (await created.json()) as { id: string };
    const terminal = fakeTerminal(COLUMNS);
    const watching = runInProcess(['jobs', 'watch', id, '--interval', '200'], env, terminal.stream);

    // Mid-run: the outage is visible as a retried step with its cause, on the candidate's row.
    const retried = await eventually(
      'a retried deployment in the watch',
      async () =>
        terminal
          .frames()
          .flat()
          .find((l) => /deploying-nim {2}⚠ deployCandidate attempt [2-9]/.test(l)),
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}; last frame:\n${terminal.frames().at(-1)?.join('\n')}`);
    });
    expect(retried).toMatch(
      /^ {2}meta\/llama-3\.2-\db-instruct\s+deploying-nim\s+⚠ deployCandidate attempt \d+(\/\d+)?, last failure: /,
    );
    await h.clearFaults();

    // Candidate rows follow the run (not frozen at deploying-nim).
    await eventually(
      'a candidate row past deploying',
      async () =>
        terminal
          .frames()
          .at(-1)
          ?.some((l) => /^ {2}meta\/\S+\s+running-evals/.test(l)) || undefined,
      90_000,
    );
    // While it runs, the GPU ledger has its row and a candidate shows the NIM it holds.
    await eventually(
      'the GPU ledger row and a held NIM lease',
      async () => {
        const frame = terminal.frames().at(-1) ?? [];
        const ledger = frame.find((l) => /^GPU ledger\s+\[[█░]+\]\s+\d+% \d+\/\d+ in use {2}\d+ waiting/.test(l));
        const held = frame.find((l) => /^ {2}meta\/\S+\s+\S+.*GPUs: nim 1 held/.test(l));
        return ledger && held ? true : undefined;
      },
      90_000,
    );

    // The API restarts: the watch says it is reconnecting and carries on.
    await server.close();
    await eventually('the reconnecting line', async () =>
      terminal.text().includes('reconnecting to the API') ? true : undefined,
    );
    server = await serveApp(app, port);

    const res = await watching;
    await server.close();
    expect(res.code).toBe(0);
    expect(terminal.text()).toContain('reconnected to the API');

    const frames = terminal.frames();
    for (const line of frames.flat()) expect(line.length).toBeLessThan(COLUMNS);
    const last = frames.at(-1) as string[];
    expect(last[0]).toMatch(new RegExp(`^run ${id}\\s+\\[█+\\] 100% completed`));
    // Each candidate, then its steps in a fixed order: customized-eval under its own model.
    for (const model of MODELS.slice(0, 2)) {
      const at = last.findIndex((l) => l.startsWith(`  ${model} `));
      expect(at).toBeGreaterThan(0);
      expect(last[at]).toMatch(/\scompleted\s/);
      expect(last.slice(at + 1, at + 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(STEPS);
      for (const l of last.slice(at + 1, at + 5)) expect(l).toMatch(/\[█+\] 100% completed/);
    }
    // The final report fits the terminal too.
    for (const line of res.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(COLUMNS);
    expect(res.stdout).toContain(`Job ${id}  COMPLETED`);
  }, 300_000);
});
