import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { createSmokeActivities } from '../../activities/smoke';
import { buildWorkflowBundle, parseBundleArgs } from '../../scripts/build-workflow-bundle';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { REPO } from './check-deploy';

// There is no Docker engine here, so the image's build steps run as the Dockerfile runs them:
// `npm run build` (tsc -p tsconfig.build.json, here into a scratch outDir) and the workflow
// bundle script, whose output then drives a real worker against the Temporal dev server.

const run = promisify(execFile);
const dockerfile = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
let scratch: string;
let dist: string;

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
    for (const entry of ['api/main.js', 'worker/main.js', 'nemo-emulator/main.js']) {
      expect(dockerfile).toContain(`/app/dist/${entry}`);
      expect(existsSync(path.join(dist, entry))).toBe(true);
    }
    expect(existsSync(path.join(dist, 'scripts/build-workflow-bundle.js'))).toBe(true);
    expect(existsSync(path.join(dist, 'test'))).toBe(false); // tests stay out of the image
  }, 240_000);

  test('the compiled bundle script prebuilds a workflow bundle a worker runs workflows from', async () => {
    const bundle = path.join(scratch, 'workflow-bundle.js');
    const script = path.join(dist, 'scripts/build-workflow-bundle.js');
    expect(dockerfile).toContain('node dist/scripts/build-workflow-bundle.js --out dist/workflow-bundle.js');
    const { stdout } = await run(process.execPath, [script, '--out', bundle], { cwd: scratch });
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
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:20-slim/);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toContain('COPY --from=prod-deps /app/node_modules');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('FLYWHEEL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });
});
