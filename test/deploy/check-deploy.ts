import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// Runs scripts/check-deploy.sh (helm, kubeconform, the compose loader) for the deploy tests.

export const REPO = path.resolve(__dirname, '../..');
export const CHART = path.join(REPO, 'charts/flywheel');
const SCRIPT = path.join(REPO, 'scripts/check-deploy.sh');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function checkDeploy(args: string[], stdin?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      [SCRIPT, ...args],
      { cwd: REPO, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are checked field by field
  spec?: any;
  data?: Record<string, string>;
}

/** `helm template` of the chart with a values file (path relative to the repo, or '-' for defaults). */
export async function renderChart(valuesFile: string): Promise<Manifest[]> {
  const result = await checkDeploy(['render', valuesFile === '-' ? '-' : path.resolve(REPO, valuesFile)]);
  if (result.code !== 0) throw new Error(`helm template ${valuesFile} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export function find(manifests: Manifest[], kind: string, nameSuffix: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`no ${kind} named *${nameSuffix} in ${manifests.map((m) => m.kind).join(', ')}`);
  return found;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export function containerOf(deployment: Manifest) {
  return deployment.spec.template.spec.containers[0] as {
    args: string[];
    env: EnvVar[];
    volumeMounts: { name: string; mountPath: string }[];
    // biome-ignore lint/suspicious/noExplicitAny: probes and security contexts are read as rendered
    [key: string]: any;
  };
}

export function envOf(deployment: Manifest): Map<string, EnvVar> {
  return new Map(containerOf(deployment).env.map((e) => [e.name, e]));
}
