import { RequestLog } from './http/request-log';
import { NimProxy } from './models/nim-proxy';
import { type Clock, wallClock } from './runtime/clock';
import { Counters } from './runtime/counters';
import { type Durations, REALISTIC_DURATIONS } from './runtime/durations';
import { type FaultPlan, Faults } from './runtime/faults';
import { GpuMeter } from './runtime/gpu-meter';
import { IdGenerator } from './runtime/rng';
import { Scheduler } from './runtime/scheduler';
import { createState, type EmulatorState } from './state/store';
import { seedTargets } from './state/targets';

// One emulator instance: its state, clock, durations, fault plan, counters and request log,
// shared by the routes and the life cycles. Reset swaps in fresh parts; close stops every
// timer and job.

export interface EmulatorSettings {
  timeScale: number;
  seed: number;
  faults?: FaultPlan;
  durations?: Durations;
  /** Record every request's body for GET /admin/requests (tests). */
  recordRequests?: boolean;
  /** What the life cycles wait on: the wall clock (default) or a virtual clock tests advance. */
  clock?: Clock;
}

function freshState(): EmulatorState {
  const state = createState();
  seedTargets(state);
  return state;
}

export class EmulatorContext {
  state: EmulatorState = freshState();
  counters = new Counters();
  gpus: GpuMeter;
  ids: IdGenerator;
  readonly durations: Durations;
  readonly faults: Faults;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly nim: NimProxy;
  readonly requestLog: RequestLog | undefined;

  constructor(readonly settings: EmulatorSettings) {
    this.ids = new IdGenerator(settings.seed);
    this.durations = settings.durations ?? REALISTIC_DURATIONS;
    this.faults = new Faults(settings.seed, settings.faults);
    this.clock = settings.clock ?? wallClock;
    this.scheduler = new Scheduler(settings.timeScale, this.clock);
    this.gpus = this.freshGpuMeter();
    this.nim = new NimProxy(
      () => this.state,
      settings.seed,
      () => this.clock.now(),
    );
    this.requestLog = settings.recordRequests ? new RequestLog() : undefined;
  }

  get seed(): number {
    return this.settings.seed;
  }

  async reset(): Promise<void> {
    await this.scheduler.stopAll();
    this.state = freshState();
    this.counters = new Counters();
    this.gpus = this.freshGpuMeter();
    this.requestLog?.clear();
    this.ids = new IdGenerator(this.settings.seed);
    this.faults.clear();
  }

  private freshGpuMeter(): GpuMeter {
    return new GpuMeter(this.settings.timeScale, () => this.clock.now());
  }

  liveDeployments(): string[] {
    return [...this.state.deployments.values()].filter((d) => !d.deleting).map((d) => `${d.namespace}/${d.name}`);
  }
}
