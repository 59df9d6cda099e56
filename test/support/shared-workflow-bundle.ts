import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// One workflow bundle for the whole jest run. Bundling the workflows is ~4 CPU-seconds of
// webpack; built once per test file (and once more by every worker child started without a
// bundle) it cost the test command minutes on 2 cores. jest's global setup builds it before
// any test file starts, from the source as it is then, and names the file in the environment,
// which the test files' processes and their children inherit.

export const SHARED_BUNDLE_ENV = 'FLYWHEEL_TEST_WORKFLOW_BUNDLE';

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** The workflows bundled as the worker loads them (webpack, ~4 CPU-seconds). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: quietBundlerLogger,
  });
  return { code };
}

/** Bundles the workflows into a new temporary file; returns its path. */
export async function writeSharedBundle(): Promise<string> {
  const { code } = await bundleWorkflows();
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'flywheel-test-bundle-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

/** The shared bundle's path, when the global setup built one. */
export function sharedBundleFile(): string | undefined {
  return process.env[SHARED_BUNDLE_ENV] || undefined;
}

/** The shared bundle's code, or undefined outside a jest run with the global setup. */
export function readSharedBundle(): string | undefined {
  const file = sharedBundleFile();
  return file ? readFileSync(file, 'utf8') : undefined;
}

export function removeSharedBundle(file: string | undefined): void {
  if (file) rmSync(path.dirname(file), { recursive: true, force: true });
}
