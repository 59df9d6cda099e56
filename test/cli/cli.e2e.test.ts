import { TOKENS } from '../api/api-env';
import { apiOverHarness, terminateLeftovers } from '../api/harness-app';
import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';
import { type CliResult, runBin, serveApp } from './cli-support';

// The `flywheel` command end to end, through bin/flywheel.js in child processes: a real API
// over HTTP, a real worker, the NeMo emulator. create → watch → show → delete, and a cancel
// in the middle of a (deliberately stalled) customization.

const h = new FlywheelHarness({ timeScale: 0.01 });
let server: { url: string; close: () => Promise<void> };
let env: Record<string, string>;
const flywheel = (...args: string[]): Promise<CliResult> => runBin(args, env);

beforeAll(async () => {
  await h.start();
  h.configs.set('default', h.config({ models: ['meta/llama-3.2-1b-instruct'] }));
  server = await serveApp(apiOverHarness(h).app);
  env = { FLYWHEEL_API_URL: server.url, FLYWHEEL_API_TOKEN: TOKENS[1] as string };
}, 120_000);
afterAll(async () => {
  await server?.close();
  await terminateLeftovers(h);
  await h.close();
});

test('create → watch → show → delete a job from the command line', async () => {
  const created = await flywheel('jobs', 'create', '-w', SAMPLE.workloadId, '-c', SAMPLE.clientId, '--json');
  expect(created.code).toBe(0);
  const { id, status } = JSON.parse(created.stdout);
  expect(status).toBe('queued');

  const watched = await flywheel('jobs', 'watch', id, '--interval', '200');
  expect(watched.code).toBe(0);
  // not a terminal here, so progress comes as one line per change
  expect(watched.stderr).toMatch(/meta\/llama-3.2-1b-instruct base-eval: (running|completed) \d+%/);
  expect(watched.stderr).toMatch(/run [0-9a-f]{24}: completed/);
  expect(watched.stdout).toContain(`Job ${id}  COMPLETED`);

  const shown = await flywheel('jobs', 'show', id);
  expect(shown.code).toBe(0);
  const header = shown.stdout.split('\n').find((l) => l.startsWith('MODEL'));
  expect(header).toMatch(
    /STEP\s+STATUS\s+PROGRESS\s+function_name\s+function_name_and_args_accuracy\s+tool_calling_correctness/,
  );
  for (const step of ['base-eval', 'icl-eval', 'customized-eval', 'customization']) {
    expect(shown.stdout).toMatch(new RegExp(`meta/llama-3.2-1b-instruct\\s+${step}\\s+completed\\s+100%`));
  }
  expect(shown.stdout).toMatch(/base-eval\s+completed\s+100%\s+\d\.\d{3}/);

  const json = JSON.parse((await flywheel('jobs', 'show', id, '--json')).stdout);
  expect(json).toMatchObject({ id, status: 'completed' });
  expect(json.nims[0].evaluations).toHaveLength(3);

  const deleted = await flywheel('jobs', 'delete', id);
  expect(deleted).toMatchObject({ code: 0 });
  expect(deleted.stdout).toContain('Job deletion started');
  await eventually('the job to be gone', async () => ((await h.results.getRun(id)) ? undefined : true), 60_000);
  const gone = await flywheel('jobs', 'show', id);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain('404 Job not found');
}, 120_000);

test('cancel a job during customization: watch reports it and exits non-zero, a second cancel is refused', async () => {
  await h.setFaults({ customization: { stall: true } });
  try {
    const created = await flywheel('jobs', 'create', '-w', SAMPLE.workloadId, '-c', SAMPLE.clientId, '--json');
    const { id } = JSON.parse(created.stdout);
    await eventually('the customization to be under way', async () => {
      const [c] = (await h.results.findRunSteps(id)).customizations;
      return c && c.status === 'running' ? c : undefined;
    });
    const live = await flywheel('jobs', 'progress', id);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`Job ${id}  phase running-candidates`));
    expect(live.stdout).toMatch(/meta\/llama-3\.2-1b-instruct\s+\S+\s+customization/);
    const cancelled = await flywheel('jobs', 'cancel', id);
    expect(cancelled).toMatchObject({ code: 0 });
    expect(cancelled.stdout).toContain('Job cancellation initiated successfully.');

    const watched = await flywheel('jobs', 'watch', id, '--interval', '200');
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`flywheel: job ${id} ended cancelled`);
    expect(watched.stdout).toMatch(/customization\s+cancelled/);

    const again = await flywheel('jobs', 'cancel', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('400 Cannot cancel a job that has already finished.');
  } finally {
    await h.clearFaults();
  }
}, 120_000);

test('errors are one clear line and a non-zero exit', async () => {
  const badToken = await runBin(['jobs', 'list'], { ...env, FLYWHEEL_API_TOKEN: 'nope' });
  expect(badToken.code).toBe(1);
  expect(badToken.stderr).toContain('401 Invalid bearer token (set FLYWHEEL_API_TOKEN or --token)');
  const usage = await flywheel('jobs', 'create', '-w', 'x');
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("required option '-c, --client-id <id>' not specified");
  const down = await runBin(['workloads'], { ...env, FLYWHEEL_API_URL: 'http://127.0.0.1:1' });
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach the Flywheel API at http://127.0.0.1:1');
});
