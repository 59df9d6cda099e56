import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { REPO } from './check-deploy';

// Reads the Dockerfile's runtime stage so a test can lay out the image's /app in a scratch
// directory (no Docker engine here) and start the processes the way the image starts them.

export const DOCKERFILE = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');

export function runtimeStage(dockerfile = DOCKERFILE): string {
  return dockerfile.slice(dockerfile.lastIndexOf('\nFROM ') + 1);
}

/** The runtime stage's ENV settings, with /app replaced by appDir. */
export function runtimeEnv(appDir: string, dockerfile = DOCKERFILE): Record<string, string> {
  const env: Record<string, string> = {};
  for (const block of runtimeStage(dockerfile).matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const [, key, value] of (block[1] ?? '').matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) {
      env[key as string] = (value as string).replace(/^\/app(?=\/|$)/, appDir);
    }
  }
  return env;
}

/** Copies what the runtime stage COPYs from the build context (not --from stages) into appDir. */
export function copyContextFiles(appDir: string, dockerfile = DOCKERFILE): string[] {
  const copied: string[] = [];
  for (const [, source, target] of runtimeStage(dockerfile).matchAll(/^COPY (?!--from|--chmod|<<)(\S+) (\S+)$/gm)) {
    const to = path.join(appDir, target as string);
    cpSync(
      path.join(REPO, source as string),
      target?.endsWith('/') ? path.join(to, path.basename(source as string)) : to,
      {
        recursive: true,
      },
    );
    copied.push(source as string);
  }
  return copied;
}

/** Writes the Dockerfile's entrypoint heredoc to appDir/flywheel-entrypoint, /app replaced by appDir. */
export function writeEntrypoint(appDir: string, dockerfile = DOCKERFILE): string {
  const match = dockerfile.match(/^COPY --chmod=0755 <<'EOF' \S*flywheel-entrypoint\n([\s\S]*?)\nEOF$/m);
  if (!match?.[1]) throw new Error('no flywheel-entrypoint heredoc in the Dockerfile');
  const file = path.join(appDir, 'flywheel-entrypoint');
  writeFileSync(file, `${match[1].replaceAll('/app/', `${appDir}/`)}\n`, { mode: 0o755 });
  return file;
}

/**
 * The npm packages the entry points load at run time: a walk over the compiled require() graph
 * from each entry file (relative requires followed, packages collected, builtins skipped).
 */
export function runtimePackages(entryFiles: string[]): Set<string> {
  const builtins = new Set(builtinModules);
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [...entryFiles];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
      const id = spec as string;
      if (id.startsWith('.')) {
        queue.push(resolveCompiled(path.resolve(path.dirname(file), id)));
      } else if (!id.startsWith('node:') && !builtins.has(id.split('/')[0] as string)) {
        packages.add(id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : (id.split('/')[0] as string));
      }
    }
  }
  return packages;
}

function resolveCompiled(base: string): string {
  for (const candidate of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve compiled module ${base}`);
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: (timeoutMs?: number) => Promise<number | null>;
}

/** Starts a process and waits until its output matches `ready` (returning the match). */
export async function startUntil(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<Started & { match: RegExpMatchArray }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
  const stop = async (stopTimeoutMs = 45_000) => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { child, match, output: () => output, stop };
}
