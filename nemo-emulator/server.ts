import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createEmulatorApp } from './app';
import { EmulatorContext } from './context';
import { type Clock, type ClockKind, createClock } from './runtime/clock';
import { type DurationProfile, type Durations, resolveDurations } from './runtime/durations';
import { type FaultPlan, FaultPlanSchema } from './runtime/faults';

// Starts the NeMo emulator: every emulated service on one port (0 = a random free port).

export const DEFAULT_PORT = 8700;

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Multiplies every life-cycle duration: 1 is real time; tests use a small fraction. */
  timeScale?: number;
  /** Fixes every "random" choice: student noise, fault rolls, ids. */
  seed?: number;
  /** The fault plan in force from the start (same shape as `PUT /admin/faults`). */
  faults?: FaultPlan;
  /** Life-cycle durations: `realistic` (default) or `demo` (compressed), before the time scale. */
  profile?: DurationProfile;
  /** Single durations overriding the profile's (realistic milliseconds). */
  durations?: Partial<Durations>;
  /** Record every request body for GET /admin/requests (nemo-emulator/http/request-log.ts). */
  recordRequests?: boolean;
  /** `wall` (default) or `virtual`: life cycles wait on a clock advanced by the test (runtime/clock.ts). */
  clock?: ClockKind;
}

export interface RunningEmulator {
  url: string;
  /** The life cycles' clock; a VirtualClock (advance it) when started with `clock: 'virtual'`. */
  clock: Clock;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const clock = createClock(options.clock);
  const ctx = new EmulatorContext({
    timeScale: options.timeScale ?? 1,
    seed: options.seed ?? 42,
    faults: options.faults ? FaultPlanSchema.parse(options.faults) : undefined,
    durations: resolveDurations(options.profile, options.durations),
    recordRequests: options.recordRequests ?? false,
    clock,
  });
  let url = '';
  const app = createEmulatorApp(ctx, () => url);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    clock,
    close() {
      closing ??= (async () => {
        await ctx.scheduler.stopAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
