import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Exercises: nemo-emulator/main.ts (spawned as a process)

// The emulator's own entry point: flags, a fault plan file, and a clean exit on SIGTERM.

const ROOT = join(__dirname, '..', '..');

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'nemo-emulator/main.ts', ...args], { cwd: ROOT });
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d;
  });
  child.stderr?.on('data', (d) => {
    text += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function urlOf(output: () => string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/\S+)/.exec(output());
    if (match?.[1]) return match[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`emulator did not start: ${output()}`);
}

test('the CLI serves with the given fault plan and exits cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
  const plan = { routes: { 'GET /v1/datasets': { error_429_rate: 1 } } };
  writeFileSync(join(dir, 'faults.json'), JSON.stringify(plan));
  const emulator = run(['--port', '0', '--time-scale', '0.01', '--faults', join(dir, 'faults.json')]);
  try {
    const url = await urlOf(emulator.output);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(`${url}/admin/faults`)).json()).toEqual(plan);
    expect((await fetch(`${url}/v1/datasets`)).status).toBe(429);
  } finally {
    emulator.child.kill('SIGTERM');
  }
  expect(await emulator.exited).toBe(0);
  expect(emulator.output()).toMatch(/SIGTERM, shutting down/);
});

test('a fault plan with a bad field stops the CLI with a message naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
  writeFileSync(join(dir, 'faults.json'), JSON.stringify({ deployment: { never_ready: 'all' } }));
  const emulator = run(['--port', '0', '--faults', join(dir, 'faults.json')]);
  expect(await emulator.exited).not.toBe(0);
  expect(emulator.output()).toMatch(/deployment\.never_ready/);
});
