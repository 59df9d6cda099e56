import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// Prebuilds the workflow bundle so a worker started with FLYWHEEL_WORKFLOW_BUNDLE=<file> loads
// it instead of running webpack at every start (the container image does this at build time).
//
//   node dist/scripts/build-workflow-bundle.js [--workflows DIR] [--out FILE]
//
// --workflows defaults to the workflows next to this script (../workflows: the TypeScript
// sources under tsx, the compiled JavaScript under dist/); --out to dist/workflow-bundle.js.

interface BundleOptions {
  workflowsPath: string;
  outFile: string;
}

export function parseBundleArgs(argv: string[], cwd = process.cwd()): BundleOptions {
  const options: BundleOptions = {
    workflowsPath: path.resolve(__dirname, '../workflows'),
    outFile: path.resolve(cwd, 'dist/workflow-bundle.js'),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag !== '--workflows' && flag !== '--out') throw new Error(`unknown argument "${flag}"`);
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    if (flag === '--workflows') options.workflowsPath = path.resolve(cwd, value);
    else options.outFile = path.resolve(cwd, value);
    i += 1;
  }
  return options;
}

/** Bundles the workflows and writes the file atomically, so a failed build leaves no partial bundle. */
export async function buildWorkflowBundle({ workflowsPath, outFile }: BundleOptions): Promise<{ bytes: number }> {
  const logged: string[] = [];
  let code: string;
  try {
    ({ code } = await bundleWorkflowCode({
      workflowsPath: require.resolve(workflowsPath),
      logger: collectingLogger(logged),
    }));
  } catch (err) {
    const reasons = webpackErrors(logged.join('\n'));
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(reasons.length > 0 ? `${message}\n${reasons.join('\n')}` : message);
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  const partial = `${outFile}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, outFile);
  return { bytes: Buffer.byteLength(code) };
}

/** The "ERROR in <module>" lines of webpack's report, each with the reason on the line after. */
export function webpackErrors(report: string): string[] {
  const lines = report.split('\n').map((l) => l.trim());
  return lines.flatMap((line, i) => (line.startsWith('ERROR in') ? [`${line}: ${lines[i + 1] ?? ''}`] : []));
}

const noop = () => undefined;
// webpack's progress chatter stays out of build logs; its errors are kept for the thrown error.
function collectingLogger(sink: string[]) {
  const keep = (message: string) => {
    sink.push(message);
  };
  return { trace: noop, debug: noop, info: noop, log: noop, warn: keep, error: keep };
}

if (require.main === module) {
  (async () => {
    const options = parseBundleArgs(process.argv.slice(2));
    const started = Date.now();
    const { bytes } = await buildWorkflowBundle(options);
    const kib = Math.round(bytes / 1024);
    console.log(`workflow bundle: ${options.outFile} (${kib} KiB, ${Date.now() - started} ms)`);
  })().catch((err: unknown) => {
    console.error(`workflow bundle failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
