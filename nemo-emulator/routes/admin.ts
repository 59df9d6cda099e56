import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { HttpError } from '../http/errors';
import { jsonBody } from '../http/validation';
import { VirtualClock } from '../runtime/clock';
import { FaultPlanSchema } from '../runtime/faults';

// Emulator-only routes: counters for tests, the fault plan, the clock, reset, health.

/** `{ms}` moves a virtual clock forward by that much; `{to_next: true}` jumps to the next wait's end. */
const AdvanceSchema = z.union([
  z.strictObject({ ms: z.number().min(0) }),
  z.strictObject({ to_next: z.literal(true) }),
]);

export function adminRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/admin/counters', (c) => c.json(ctx.counters.snapshot(ctx.liveDeployments())));

  // GPUs held and busy per deployment and training job, in realistic GPU-seconds.
  app.get('/admin/gpus', (c) => c.json(ctx.gpus.snapshot()));

  app.get('/admin/faults', (c) => c.json(ctx.faults.get()));

  app.put('/admin/faults', async (c) => {
    const plan = await jsonBody(c, FaultPlanSchema);
    ctx.faults.set(plan);
    return c.json(plan);
  });

  app.delete('/admin/faults', (c) => {
    ctx.faults.clear();
    return c.json({});
  });

  const clockView = () => {
    const clock = ctx.clock;
    const virtual = clock instanceof VirtualClock;
    return {
      kind: clock.kind,
      now: new Date(clock.now()).toISOString(),
      now_ms: clock.now(),
      ...(virtual ? { pending_timers: clock.pendingTimers, next_due_ms: clock.nextDue() ?? null } : {}),
    };
  };

  app.get('/admin/clock', (c) => c.json(clockView()));

  app.post('/admin/clock/advance', async (c) => {
    const clock = ctx.clock;
    if (!(clock instanceof VirtualClock)) {
      throw new HttpError(409, 'The emulator runs on the wall clock; start it with --clock virtual to advance time');
    }
    const body = await jsonBody(c, AdvanceSchema);
    if ('ms' in body) await clock.advance(body.ms);
    else await clock.advanceToNext();
    return c.json(clockView());
  });

  app.post('/admin/reset', async (c) => {
    await ctx.reset();
    return c.json({ message: 'Emulator state reset' });
  });

  return app;
}
