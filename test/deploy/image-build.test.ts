import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createSmokeActivities } from '../../activities/smoke';
import { buildWorkflowBundle, parseBundleArgs } from '../../scripts/build-workflow-bundle';
import { servers } from '../support/servers';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { REPO } from './check-deploy';
import { copyContextFiles, runtimeEnv, runtimePackages, startUntil, writeEntrypoint } from './image-layout';

// There is no Docker engine here, so the image's build steps run as the Dockerfile runs them:
// `npm run build` (tsc -p tsconfig.build.json, into a scratch /app) and the workflow bundle
// script, whose output drives a real worker on the Temporal dev server; then the runtime stage's
// files, environment and entrypoint are laid out in that scratch /app and each process is
// started through the entrypoint against the real local stack.

const run = promisify(execFile);
const dockerfile = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
let scratch: string; // plays /app
let dist: string;
const ENTRY_POINTS = ['api/main.js', 'worker/main.js', 'nemo-emulator/main.js'];

beforeAll(() => {
  // Inside the repository so the compiled files resolve node_modules like /app/dist does.
  mkdirSync(path.join(REPO, '.tools'), { recursive: true });
  scratch = mkdtempSync(path.join(REPO, '.tools', 'image-build-'));
  dist = path.join(scratch, 'dist');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the production build the Dockerfile runs', () => {
  test('tsc -p tsconfig.build.json compiles every entry point the image starts', async () => {
    const tsc = path.join(REPO, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', 'tsconfig.build.json', '--outDir', dist], { cwd: REPO }).catch(
      (err: { stdout: string; code: number }) => ({ stdout: err.stdout, code: err.code }),
    );
    expect(result.stdout).toBe('');
    // the entrypoint script in the Dockerfile names these compiled paths
    for (const entry of ENTRY_POINTS) {
      expect(dockerfile).toContain(`/app/dist/${entry}`);
      expect(existsSync(path.join(dist, entry))).toBe(true);
    }
    expect(existsSync(path.join(dist, 'scripts/build-workflow-bundle.js'))).toBe(true);
    expect(existsSync(path.join(dist, 'test'))).toBe(false); // tests stay out of the image
  }, 240_000);

  test('the compiled bundle script prebuilds a workflow bundle a worker runs workflows from', async () => {
    const bundle = path.join(dist, 'workflow-bundle.js');
    const script = path.join(dist, 'scripts/build-workflow-bundle.js');
    expect(dockerfile).toContain('node dist/scripts/build-workflow-bundle.js --out dist/workflow-bundle.js');
    const { stdout } = await run(process.execPath, [script, '--out', 'dist/workflow-bundle.js'], { cwd: scratch });
    expect(stdout).toMatch(/workflow bundle: .*workflow-bundle\.js \(\d+ KiB/);

    const env = await connectTestEnvironment();
    const taskQueue = uniqueTaskQueue('image-bundle');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: { codePath: bundle },
      activities: createSmokeActivities(),
    });
    try {
      const result = await worker.runUntil(
        env.client.workflow.execute('smokeWorkflow', { taskQueue, workflowId: taskQueue, args: ['image'] }),
      );
      expect(result).toBe('hello image from greet');
    } finally {
      await env.teardown();
    }
  }, 180_000);

  test('the entry points load only production dependencies (the image has no devDependencies)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const entries = [...ENTRY_POINTS, 'cli/main.js', 'scripts/build-workflow-bundle.js'].map((e) => path.join(dist, e));
    const used = [...runtimePackages(entries)].sort();
    expect(used).toEqual(expect.arrayContaining(['@temporalio/worker', 'hono', 'mongodb']));
    expect(used.filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });
});

describe('the runtime stage, laid out without Docker', () => {
  let env: NodeJS.ProcessEnv;
  let entrypoint: string;
  const database = `deploy_image_${randomUUID().slice(0, 8)}`;

  beforeAll(() => {
    expect(copyContextFiles(scratch)).toEqual([
      'package.json',
      'bin/flywheel.js',
      'config/flywheel.yaml',
      'config/named',
    ]);
    entrypoint = writeEntrypoint(scratch);
    env = {
      PATH: process.env.PATH,
      ...runtimeEnv(scratch),
      TEMPORAL_ADDRESS: servers.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: servers.TEMPORAL_NAMESPACE,
      ELASTICSEARCH_URL: servers.ELASTICSEARCH_URL,
      MONGODB_URL: servers.MONGODB_URL,
      MONGODB_DB: database,
    };
  });
  afterAll(async () => {
    const mongo = new MongoClient(servers.MONGODB_URL);
    await mongo.db(database).dropDatabase();
    await mongo.close();
  });

  test('the image environment points at files the image holds', () => {
    for (const key of ['FLYWHEEL_WORKFLOW_BUNDLE', 'FLYWHEEL_CONFIG', 'FLYWHEEL_CONFIG_DIR']) {
      expect(env[key]?.startsWith(scratch)).toBe(true);
      expect(existsSync(env[key] as string)).toBe(true);
    }
    expect(env.NODE_ENV).toBe('production');
    expect(env.FLYWHEEL_API_HOST).toBe('0.0.0.0');
  });

  test('"emulator" starts the NeMo emulator, which serves /health and exits cleanly on SIGTERM', async () => {
    // the last --host wins, so a test can keep it on the loopback interface
    const emulator = await startUntil(
      'sh',
      [entrypoint, 'emulator', '--port', '0', '--host', '127.0.0.1'],
      env,
      /listening on (http:\/\/[\d.:]+)/,
    );
    try {
      expect((await fetch(`${emulator.match[1]}/health`)).status).toBe(200);
    } finally {
      expect(await emulator.stop()).toBe(0);
    }
  }, 60_000);

  test('"api" starts the API, healthy and ready against the real servers, and exits cleanly on SIGTERM', async () => {
    const apiEnv = { ...env, FLYWHEEL_API_HOST: '127.0.0.1', FLYWHEEL_API_PORT: '0', FLYWHEEL_API_OPEN: '1' };
    const api = await startUntil('sh', [entrypoint, 'api'], apiEnv, /"url":"(http:\/\/[\d.:]+)"/);
    try {
      expect((await fetch(`${api.match[1]}/health`)).status).toBe(200);
      const ready = await fetch(`${api.match[1]}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await api.stop()).toBe(0);
    }
  }, 60_000);

  test('"worker" starts polling its task queue and exits cleanly on SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('image-worker');
    const worker = await startUntil(
      'sh',
      [entrypoint, 'worker'],
      { ...env, FLYWHEEL_TASK_QUEUE: taskQueue },
      // the worker logs JSON lines, so the quotes around the queue name arrive escaped
      /"task_queue":"([^"]+)".*polling task queue/,
      90_000,
    );
    expect(worker.match[1]).toBe(taskQueue);
    expect(await worker.stop()).toBe(0);
  }, 120_000);

  test('"flywheel" runs the compiled CLI', async () => {
    const { stdout } = await run('sh', [entrypoint, 'flywheel', '--help'], { env });
    expect(stdout).toMatch(/jobs/);
    expect(stdout).toMatch(/schedules/);
  });

  test('any other command runs as given', async () => {
    const { stdout } = await run(
      'sh',
      [entrypoint, 'node', '-e', 'console.log(process.argv.slice(1).join(","))', 'a', 'b'],
      { env },
    );
    expect(stdout.trim()).toBe('a,b');
  });
});

describe('workflow bundle script', () => {
  test('refuses unknown arguments and flags without a value', () => {
    expect(() => parseBundleArgs(['--output', 'x.js'])).toThrow('unknown argument "--output"');
    expect(() => parseBundleArgs(['--out'])).toThrow('--out needs a value');
    expect(parseBundleArgs(['--out', 'b.js'], '/srv').outFile).toBe('/srv/b.js');
  });

  test('a workflow importing a non-deterministic module fails the build and leaves no bundle', async () => {
    const workflows = path.join(scratch, 'bad-workflows');
    mkdirSync(workflows, { recursive: true });
    writeFileSync(
      path.join(workflows, 'index.ts'),
      "import { readFileSync } from 'node:fs';\nexport async function readsDisk(): Promise<string> {\n  return readFileSync('/etc/hostname', 'utf8');\n}\n",
    );
    const outFile = path.join(scratch, 'bad-bundle.js');
    await expect(buildWorkflowBundle({ workflowsPath: workflows, outFile })).rejects.toThrow(/ERROR in node:fs/);
    expect(existsSync(outFile)).toBe(false);
    expect(existsSync(`${outFile}.partial`)).toBe(false);
  }, 120_000);
});

describe('the Node runtime', () => {
  const image = /^ARG NODE_IMAGE=node:(\d+)-bookworm-slim@sha256:([0-9a-f]{64})$/m.exec(dockerfile);
  const major = Number(image?.[1]);

  test('the image is on a supported Node LTS (an even major, 24 or later), pinned by tag and digest', () => {
    expect(image).not.toBeNull();
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    // every stage builds FROM that one pinned argument, none from a tag of its own
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(3);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ARG reference, literally
    expect(new Set(froms)).toEqual(new Set(['${NODE_IMAGE}']));
  });

  test('package.json "engines" admits the image\'s Node major and no end-of-life one', () => {
    const { engines } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(engines.node).toMatch(new RegExp(`(\\^|>=)${major}\\.`));
    expect(engines.node).not.toMatch(/(^|[\s|^>=])(1\d|20|21|23)\./);
  });

  test("this test file runs on the image's Node (scripts/test.sh runs it with npx -p node@<major>)", () => {
    expect({ node: process.versions.node.split('.')[0] }).toEqual({ node: String(major) });
  });
});

describe('Dockerfile and build context', () => {
  test('every file the Dockerfile copies from the context exists and is not excluded by .dockerignore', () => {
    const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)]
      .flatMap((m) => (m[1] ?? '').split(/\s+/))
      .filter((s) => !s.startsWith('<<')); // heredocs are written by the Dockerfile itself
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'config/flywheel.yaml', 'config/named']));
    for (const source of sources.filter((s) => s !== '.')) {
      expect(existsSync(path.join(REPO, source))).toBe(true);
      expect(ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`))).toEqual([]);
    }
    for (const mustStayOut of ['node_modules', '.tools', '.stack', '.git', 'dist', 'test']) {
      expect(ignored).toContain(mustStayOut);
    }
  });

  test('the runtime stage is unprivileged, production-only and prebuilt', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime/);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toContain('COPY --from=prod-deps /app/node_modules');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('FLYWHEEL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });
});
