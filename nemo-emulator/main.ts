import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { CLOCK_KINDS, type ClockKind } from './runtime/clock';
import { DURATION_PROFILES, type DurationProfile } from './runtime/durations';
import { FaultPlanSchema } from './runtime/faults';
import { DEFAULT_PORT, startEmulator } from './server';

// `npx tsx nemo-emulator/main.ts --port 8700 --time-scale 0.05 --faults faults.json`

function number(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return n;
  };
}

function profileOf(value: string): DurationProfile {
  if (!(value in DURATION_PROFILES)) {
    throw new InvalidArgumentError(`--profile must be one of ${Object.keys(DURATION_PROFILES).join(', ')}`);
  }
  return value as DurationProfile;
}

function clockOf(value: string): ClockKind {
  if (!(CLOCK_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`--clock must be one of ${CLOCK_KINDS.join(', ')}`);
  }
  return value as ClockKind;
}

function readFaults(path: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`cannot read fault plan ${path}: ${(err as Error).message}`);
  }
  const parsed = FaultPlanSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidArgumentError(`fault plan ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('nemo-emulator')
    .description('Emulates the NeMo Microservices REST API Flywheel uses, on one port.')
    .option('--port <port>', 'port to listen on (0 = random)', number('--port'), DEFAULT_PORT)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--time-scale <factor>', 'multiplies every job and deployment duration', number('--time-scale'), 1)
    .option('--seed <seed>', 'seed for every random choice', number('--seed'), 42)
    .option('--profile <profile>', 'life-cycle durations: realistic or demo (compressed)', profileOf, 'realistic')
    .option('--clock <clock>', 'wall, or virtual (advanced by POST /admin/clock/advance)', clockOf, 'wall')
    .option('--faults <file>', 'JSON fault plan to start with (as PUT /admin/faults)', readFaults)
    .parse();
  const opts = program.opts<{
    port: number;
    host: string;
    timeScale: number;
    seed: number;
    profile: DurationProfile;
    clock: ClockKind;
    faults?: unknown;
  }>();
  const emulator = await startEmulator({
    port: opts.port,
    host: opts.host,
    timeScale: opts.timeScale,
    seed: opts.seed,
    profile: opts.profile,
    clock: opts.clock,
    faults: opts.faults as never,
  });
  console.log(
    `nemo-emulator listening on ${emulator.url} (${opts.profile} durations, time scale ${opts.timeScale}, ${opts.clock} clock)`,
  );
  const shutdown = (signal: string) => {
    console.log(`nemo-emulator: ${signal}, shutting down`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(`nemo-emulator: ${(err as Error).message}`);
  process.exit(1);
});
