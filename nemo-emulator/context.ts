import { RequestLog } from './http/request-log';
import { NimProxy } from './models/nim-proxy';
import { Counters } from './runtime/counters';
import { type FaultPlan, Faults } from './runtime/faults';
import { IdGenerator } from './runtime/rng';
import { Scheduler } from './runtime/scheduler';
import { createState, type EmulatorState } from './state/store';

// One emulator instance: its state, clock, fault plan and counters, shared by the routes and
// the life cycles. Reset swaps in fresh parts; close stops every timer and job.

export interface EmulatorSettings {
  timeScale: number;
  seed: number;
  faults?: FaultPlan;
  /** Record every request's body for GET /admin/requests (tests). */
  recordRequests?: boolean;
}

export class EmulatorContext {
  state: EmulatorState = createState();
  counters = new Counters();
  ids: IdGenerator;
  readonly faults: Faults;
  readonly scheduler: Scheduler;
  readonly nim: NimProxy;
  readonly requestLog: RequestLog | undefined;

  constructor(readonly settings: EmulatorSettings) {
    this.ids = new IdGenerator(settings.seed);
    this.faults = new Faults(settings.seed, settings.faults);
    this.scheduler = new Scheduler(settings.timeScale);
    this.nim = new NimProxy(() => this.state, settings.seed);
    this.requestLog = settings.recordRequests ? new RequestLog() : undefined;
  }

  get seed(): number {
    return this.settings.seed;
  }

  async reset(): Promise<void> {
    await this.scheduler.stopAll();
    this.state = createState();
    this.counters = new Counters();
    this.ids = new IdGenerator(this.settings.seed);
    this.faults.clear();
  }

  liveDeployments(): string[] {
    return [...this.state.deployments.values()]
      .filter((d) => d.status_details.status !== 'deleting')
      .map((d) => `${d.namespace}/${d.name}`);
  }
}
