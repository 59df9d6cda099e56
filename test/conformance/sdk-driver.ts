import { execFile } from 'node:child_process';
import path from 'node:path';

// Runs the Python conformance driver (sdk_driver.py) with the stack venv's interpreter, where
// `scripts/stack.sh install` put nemo-microservices, huggingface_hub and openai (pinned).

export interface DriverReport {
  mode: string;
  checks: string[];
  failures: { check: string; error: string }[];
  requests?: number;
}

const ROOT = path.resolve(__dirname, '../..');
export const PYTHON = path.join(process.env.FLYWHEEL_TOOLS_DIR ?? path.join(ROOT, '.tools'), 'venv/bin/python');

export function runDriver(args: string[], timeoutMs = 240_000): Promise<DriverReport> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [path.join(__dirname, 'sdk_driver.py'), ...args],
      {
        cwd: __dirname,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, HF_HUB_DISABLE_XET: '1', HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_OFFLINE: '0' },
      },
      (err, stdout, stderr) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(last) as DriverReport);
        } catch {
          reject(
            new Error(
              `conformance driver ${args[0]} printed no report (${err?.message ?? ''}): ${stderr.slice(-2000)}`,
            ),
          );
        }
      },
    );
  });
}
