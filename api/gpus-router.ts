import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { JOB_ID_PATTERN } from '../contracts';
import { type GpuLease, type GpuLedgerState, gpuLedgerStateQuery } from '../workflows/gpu-budget-contract';
import { bearerSecurity, json, pick } from './common-schemas';
import type { ApiDeps } from './deps';
import { unavailable } from './errors';
import { gpusByPurpose } from './metrics';
import { inScope, principalOf, requireAction } from './middleware/authorize';

// GET /api/gpus (added; the Blueprint has no GPU accounting): the namespace's GPU ledger, who
// holds what and who waits, by purpose. Totals are the whole ledger's; the leases listed are
// those of jobs the token may see (a lease names its job, and a job its client).

const Lease = z
  .object({
    job_id: z.string().nullable().openapi({ description: 'The job the lease is for (null: not a job of this API)' }),
    client_id: z.string().nullable(),
    holder: z.string().openapi({ description: 'The holder workflow id' }),
    purpose: z.string().openapi({ example: 'nim' }),
    gpus: z.number().int().openapi({
      description:
        "GPUs counted on this lease (a shared NIM's are counted on one of its users' leases, 0 on the others)",
    }),
    label: z.string(),
    shared: z
      .object({
        deployment: z.string().openapi({ description: 'The NIM deployment its users share' }),
        gpus: z.number().int().openapi({ description: "The deployment's GPUs, counted once" }),
        users: z.array(z.string()).openapi({ description: 'Holder workflow ids of every run using it' }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'A NIM deployment shared by runs (gpu_policy.share_nims); null: not shared' }),
  })
  .openapi('GpuLease');

export const GpusResponse = z
  .object({
    budget: z.number().int().nullable().openapi({ description: 'null until a run has started the ledger' }),
    in_use: z.number().int(),
    waiting: z.number().int(),
    by_purpose: z.array(z.object({ purpose: z.string(), held: z.number().int(), waiting: z.number().int() })),
    held: z.array(Lease),
    queue: z.array(Lease).openapi({ description: 'Waiting leases, first served first' }),
  })
  .openapi('GpusResponse');

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['gpus'],
  summary: 'The GPU ledger: GPUs held and waited for, by purpose and by job',
  security: bearerSecurity,
  responses: {
    200: json(GpusResponse, 'The ledger now'),
    ...pick(401, 403, 429, 503),
  },
});

const JOB_OF_HOLDER = new RegExp(`^flywheel-(${JOB_ID_PATTERN.source.replace(/^\^|\$$/g, '')})(?:-|$)`);

/** The job a holder workflow belongs to: runs are `flywheel-<job id>`, candidates `flywheel-<job id>-<model>`. */
export function jobOfHolder(holderId: string): string | null {
  return JOB_OF_HOLDER.exec(holderId)?.[1] ?? null;
}

async function ledgerState(deps: GpusDeps): Promise<GpuLedgerState | null> {
  const id = deps.gpuLedgerId;
  try {
    return await deps.temporal.workflow.getHandle(id).query(gpuLedgerStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null; // no run has needed GPUs yet
    throw unavailable(`The GPU ledger (${id}) does not answer: ${(err as Error).message}`);
  }
}

/** A held lease on a shared NIM: the deployment, its GPUs (counted once) and every user's holder id. */
function sharedView(held: GpuLease[], lease: GpuLease) {
  const key = lease.share?.key;
  const users = key === undefined ? [] : held.filter((l) => l.share?.key === key);
  if (!lease.share || !users.some((l) => l.leaseId === lease.leaseId)) return null;
  return {
    deployment: lease.share.deployment.name,
    gpus: users.reduce((n, l) => n + l.gpus, 0),
    users: users.map((l) => l.holderId),
  };
}

type GpusDeps = Pick<ApiDeps, 'temporal' | 'results'> & { gpuLedgerId: string };

export function gpusRouter(deps: GpusDeps) {
  return new OpenAPIHono().openapi(route, async (c) => {
    const principal = principalOf(c);
    requireAction(principal, 'read');
    const state = await ledgerState(deps);
    const leases = [...(state?.held ?? []), ...(state?.waiting ?? [])];
    const clientOf = new Map<string, string | null>();
    for (const job of new Set(leases.map((l) => jobOfHolder(l.holderId)))) {
      if (job) clientOf.set(job, (await deps.results.getRun(job))?.client_id ?? null);
    }
    const visible = (lease: GpuLease) => {
      const job = jobOfHolder(lease.holderId);
      return principal.clientIds === '*' || (job !== null && inScope(principal, clientOf.get(job)));
    };
    const view = (lease: GpuLease) => ({
      job_id: jobOfHolder(lease.holderId),
      client_id: clientOf.get(jobOfHolder(lease.holderId) ?? '') ?? null,
      holder: lease.holderId,
      purpose: lease.purpose,
      gpus: lease.gpus,
      label: lease.label,
      shared: sharedView(state?.held ?? [], lease),
    });
    const byPurpose = gpusByPurpose(state ?? undefined);
    return c.json(
      {
        budget: state?.budget ?? null,
        in_use: byPurpose.reduce((n, p) => n + p.held, 0),
        waiting: byPurpose.reduce((n, p) => n + p.waiting, 0),
        by_purpose: byPurpose,
        held: (state?.held ?? []).filter(visible).map(view),
        queue: (state?.waiting ?? []).filter(visible).map(view),
      },
      200,
    );
  });
}
