import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// A workflow bundle built from a patched copy of workflows/: "the next release" in tests of
// upgrades. The copy lives in a temp dir; its imports of the rest of the repository are made
// absolute and packages resolve from the repository's node_modules.

const REPO = path.resolve(__dirname, '../..');
const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** `patches`: file name in workflows/ → edit of its source (must change it). */
export async function buildWorkflowVariant(patches: Record<string, (source: string) => string>): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-variant-'));
  try {
    const workflows = path.join(dir, 'workflows');
    cpSync(path.join(REPO, 'workflows'), workflows, { recursive: true });
    for (const file of readdirSync(workflows).filter((f) => f.endsWith('.ts'))) {
      const full = path.join(workflows, file);
      let source = readFileSync(full, 'utf8').replace(/from '\.\.\//g, `from '${REPO}/`);
      const patch = patches[file];
      if (patch) {
        const patched = patch(source);
        if (patched === source) throw new Error(`the variant's patch of ${file} no longer applies: update it`);
        source = patched;
      }
      writeFileSync(full, source);
    }
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(workflows, 'index.ts'),
      logger: quiet,
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [path.join(REPO, 'node_modules'), 'node_modules'] },
      }),
    });
    return code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The change of the issue that found the problem: a timer after the candidate's deployment, on
 * every path that deploys (the awaited call alone, or inside a Promise.all beside a status write).
 * Nondeterministic for any candidate history that got past its deployment. Throws when the
 * source has no deployment left to follow, so the variant can never silently equal the original.
 */
export function sleepAfterDeploy(source: string): string {
  const deploy = /(await (?:Promise\.all\(\[)?long\.deployCandidate\([^;]*\);)/g;
  if (!deploy.test(source)) throw new Error('sleepAfterDeploy: no awaited long.deployCandidate(...) in the source');
  return `import { sleep as variantSleep } from '@temporalio/workflow';\n${source.replace(deploy, '$1\n    await variantSleep(10);')}`;
}
