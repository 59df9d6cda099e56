import { Hono } from 'hono';
import type { EmulatorContext } from '../context';
import { jsonBody } from '../http/validation';
import { FaultPlanSchema } from '../runtime/faults';

// Emulator-only routes: counters for tests, the fault plan, reset, health.

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

  app.post('/admin/reset', async (c) => {
    await ctx.reset();
    return c.json({ message: 'Emulator state reset' });
  });

  return app;
}
