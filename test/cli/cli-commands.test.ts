import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ensureLogIndex } from '../../stores/log-index';
import { ApiEnv, TOKENS } from '../api/api-env';
import { servers } from '../support/servers';
import { type CliResult, runInProcess, serveApp } from './cli-support';

// Exercises: cli/api-client.ts, cli/context.ts, cli/render.ts, cli/commands/jobs.ts, cli/commands/schedules.ts, cli/commands/workloads.ts, cli/commands/local.ts (run in-process by the CLI this file drives, so no import names them)

// The rest of the CLI, in-process against a real API over HTTP on the real servers:
// schedules, workloads, listing, --json, and loading logs with line-numbered rejections.

const api = new ApiEnv();
let server: { url: string; close: () => Promise<void> };
let env: Record<string, string>;
const flywheel = (...args: string[]): Promise<CliResult> => runInProcess(args, env);
const suffix = Date.now().toString(36);

beforeAll(async () => {
  await api.start();
  server = await serveApp(api.app);
  env = {
    FLYWHEEL_API_URL: server.url,
    FLYWHEEL_API_TOKEN: TOKENS[0] as string,
    ELASTICSEARCH_URL: servers.ELASTICSEARCH_URL,
    ES_COLLECTION_NAME: api.logIndex,
  };
});
afterAll(async () => {
  for await (const s of api.temporal.schedule.list()) {
    if (s.scheduleId.endsWith(suffix)) await api.temporal.schedule.getHandle(s.scheduleId).delete();
  }
  await server?.close();
  await api.close();
});

test('schedules: create, list, pause, unpause, trigger and delete', async () => {
  const id = `cli-${suffix}`;
  const created = await flywheel(
    'schedules',
    'create',
    '-w',
    'wl-cli',
    '-c',
    'c1',
    '--cron',
    '0 2 * * MON',
    '--timezone',
    'Asia/Tokyo',
    '--id',
    id,
    '--paused',
    '--json',
  );
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ id, cron: '0 2 * * MON', timezone: 'Asia/Tokyo', paused: true });

  const listed = await flywheel('schedules', 'list', '-w', 'wl-cli');
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^ID\s+WORKLOAD\s+CLIENT\s+WHEN\s+TZ\s+OVERLAP\s+PAUSED/m);
  expect(listed.stdout).toMatch(new RegExp(`${id}\\s+wl-cli\\s+c1\\s+0 2 \\* \\* MON\\s+Asia/Tokyo\\s+skip\\s+yes`));

  expect((await flywheel('schedules', 'unpause', id)).stdout).toContain('Schedule unpaused.');
  expect((await flywheel('schedules', 'pause', id, '--note', 'holidays')).stdout).toContain('Schedule paused.');
  const triggered = await flywheel('schedules', 'trigger', id);
  expect(triggered.stdout).toMatch(/Schedule triggered: run flywheel-scheduled-\S+ is starting\./);
  const described = await api.temporal.schedule.getHandle(id).describe();
  expect(described.state).toMatchObject({ paused: true, note: 'holidays' });
  for (const run of described.info.recentActions) api.startedWorkflows.add(run.action.workflow.workflowId);
  expect(described.info.recentActions.length + described.info.runningActions.length).toBeGreaterThan(0);

  expect((await flywheel('schedules', 'delete', id)).code).toBe(0);
  const missing = await flywheel('schedules', 'delete', id);
  expect(missing).toMatchObject({ code: 1 });
  expect(missing.stderr).toContain(`404 Schedule ${id} not found`);
  const invalid = await flywheel('schedules', 'create', '-w', 'w', '-c', 'c', '--cron', '0 2 * * MON', '--every', '60');
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toContain('422 body.cron: give exactly one of cron or interval_seconds');
});

test('logs load reports rejected lines by number, then workloads lists what was loaded', async () => {
  await ensureLogIndex(api.elasticsearch, api.logIndex);
  const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-cli-'));
  const file = path.join(dir, 'logs.jsonl');
  const good = (i: number) =>
    JSON.stringify({
      workload_id: 'wl-loaded',
      client_id: 'client-x',
      timestamp: 1767225600 + i,
      request: { model: 'm', messages: [{ role: 'user', content: `question ${i}` }] },
      response: { choices: [{ message: { role: 'assistant', content: `answer ${i}` } }] },
    });
  writeFileSync(file, [good(1), '{not json', good(2), good(3)].join('\n'));
  const loaded = await flywheel('logs', 'load', file, '--json');
  expect(loaded.code).toBe(2);
  expect(loaded.stderr).toContain(`${file}:2: rejected:`);
  expect(JSON.parse(loaded.stdout)).toMatchObject({ index: api.logIndex, loaded: 3, rejected: 1 });

  const workloads = await flywheel('workloads');
  expect(workloads.code).toBe(0);
  expect(workloads.stdout).toMatch(/client-x\s+wl-loaded\s+3\s+2026-01-01T00:00:03/);
  const missing = await flywheel('logs', 'load', path.join(dir, 'nope.jsonl'));
  expect(missing).toMatchObject({ code: 1 });
  expect(missing.stderr).toContain('no such file');

  // gzip on standard input, and a directory of files
  const stdin = new PassThrough();
  stdin.end(gzipSync([good(4), good(5)].join('\n')));
  const piped = await runInProcess(['logs', 'load', '-', '--json'], env, undefined, stdin);
  expect(piped.code).toBe(0);
  expect(JSON.parse(piped.stdout)).toMatchObject({ loaded: 2, rejected: 0, files: 1 });
  const sub = path.join(dir, 'more');
  mkdirSync(sub);
  writeFileSync(path.join(sub, 'a.jsonl.gz'), gzipSync(good(6)));
  writeFileSync(path.join(sub, 'b.jsonl'), `${good(7)}\n${good(1)}\n`);
  const fromDir = await flywheel('logs', 'load', sub, '--json');
  expect(fromDir.code).toBe(0);
  expect(JSON.parse(fromDir.stdout)).toMatchObject({ files: 2, loaded: 2, duplicates: 1, rejected: 0 });
  rmSync(dir, { recursive: true, force: true });
});

test('jobs create for a workload without logs says so and creates nothing; --no-log-check creates it anyway', async () => {
  const before = await api.results.countRuns({ workload_id: 'wl-no-logs' });
  const refused = await flywheel('jobs', 'create', '-w', 'wl-no-logs', '-c', 'client-x');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('no logs for workload "wl-no-logs" and client "client-x"');
  expect(refused.stderr).toContain('wl-loaded (');
  expect(refused.stdout).not.toContain('Created job');
  expect(await api.results.countRuns({ workload_id: 'wl-no-logs' })).toBe(before);
  const forced = await flywheel('jobs', 'create', '-w', 'wl-no-logs', '-c', 'client-x', '--no-log-check', '--json');
  expect(forced.code).toBe(0);
  expect(await api.results.countRuns({ workload_id: 'wl-no-logs' })).toBe(before + 1);
  await api.temporal.workflow.getHandle(`flywheel-${JSON.parse(forced.stdout).id}`).terminate('test done');
});

test('jobs list filters and prints a table or JSON', async () => {
  const id = '0000000000000000000000f1';
  await api.results.createRun({ _id: id, workload_id: 'wl-table', client_id: 'c9', workflow_id: `flywheel-${id}` });
  await api.results.finishRun(id, 'failed', { error: 'not enough records: 3 < 50' });
  const table = await flywheel('jobs', 'list', '-w', 'wl-table');
  expect(table.stdout).toMatch(new RegExp(`${id}\\s+wl-table\\s+c9\\s+failed\\s+\\S+\\s+\\S+\\s+not enough records`));
  const json = JSON.parse((await flywheel('--json', 'jobs', 'list', '--status', 'failed', '-w', 'wl-table')).stdout);
  expect(json.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
  expect((await flywheel('jobs', 'list', '-w', 'no-such-workload')).stdout).toContain('No jobs.');
  const finished = await flywheel('jobs', 'progress', id);
  expect(finished.code).toBe(1);
  expect(finished.stderr).toContain(`409 Job ${id} has finished`);
  const badStatus = await flywheel('jobs', 'list', '--status', 'weird');
  expect(badStatus.code).toBe(2);
});

test('watch draws the candidate and, under it, a progress bar per step, on a terminal', async () => {
  const id = '0000000000000000000000f2';
  await api.results.createRun({ _id: id, workload_id: 'wl-bars', client_id: 'c', workflow_id: `flywheel-${id}` });
  await api.results.createNim(id, 'meta/llama-3.2-1b-instruct');
  const base = await api.results.startEvaluation(id, 'meta/llama-3.2-1b-instruct', 'base-eval');
  await api.results.updateEvaluation(base, { status: 'completed', progress: 100, scores: { similarity: 0.5 } });
  const cust = await api.results.startCustomization(id, 'wl-bars', 'meta/llama-3.2-1b-instruct');
  await api.results.updateCustomization(cust, { status: 'failed', progress: 40, error: 'out of memory' });
  await api.results.finishRun(id, 'failed', { error: 'every candidate failed' });

  const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let drawn = '';
  terminal.on('data', (d) => {
    drawn += d;
  });
  const res = await runInProcess(['jobs', 'watch', id, '--interval', '100'], env, terminal);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(`job ${id} ended failed: every candidate failed`);
  expect(drawn).toContain(`\n${String.fromCharCode(27)}[2K  meta/llama-3.2-1b-instruct `);
  expect(drawn).toMatch(/ {4}base-eval\s+\[█+\] 100% completed {2}similarity 0\.500/);
  expect(drawn).toMatch(/ {4}customization\s+\[█+░+\] {2}40% failed {2}out of memory/);
  expect(drawn).toMatch(/run 0+f2\s+\[/);
  expect(res.stdout).toMatch(/customization\s+failed\s+40%.*out of memory/);
});

test('--version prints the package version; with --json a failure is one JSON object on stderr', async () => {
  const version = await flywheel('--version');
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe(
    (JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version,
  );

  const missing = await flywheel('jobs', 'show', '0000000000000000000000aa', '--json');
  expect(missing.code).toBe(1);
  expect(missing.stdout).toBe('');
  expect(JSON.parse(missing.stderr)).toEqual({
    error: { kind: 'error', message: expect.stringContaining('404'), exit_code: 1, http_status: 404 },
  });
  const usage = await flywheel('jobs', 'show', 'not-an-id', '--json');
  expect(usage.code).toBe(2);
  expect(JSON.parse(usage.stderr)).toMatchObject({ error: { kind: 'usage', exit_code: 2 } });
});
