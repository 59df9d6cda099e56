import { z } from 'zod';
import {
  deleteIfPresent,
  describeErrorBody,
  isConflict,
  NemoPermanentError,
  NemoRetryableError,
  orAbsent,
} from './errors';
import { checkRequest, type HttpCore, pathOf } from './http';
import { listAll } from './pagination';
import { JobStatusSchema } from './statuses';
import { pollUntil, type WaitOptions } from './wait';

export const DeploymentSpecSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  config: z.strictObject({
    model: z.string().min(1),
    nim_deployment: z.strictObject({
      image_name: z.string().min(1),
      image_tag: z.string().min(1),
      pvc_size: z.string().min(1),
      gpu: z.number().int().positive(),
      additional_envs: z.record(z.string(), z.string()).default({}),
    }),
  }),
});
export type DeploymentSpec = z.input<typeof DeploymentSpecSchema>;

/** The SDK's `ModelDeployment` (the fields Flywheel reads). */
export const DeploymentSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  config: z.union([z.string(), z.looseObject({ model: z.unknown().optional() })]).nullish(),
  status_details: z.looseObject({ status: JobStatusSchema, description: z.string().nullish() }),
  url: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

const COLLECTION = '/v1/deployment/model-deployments';

/** DMS answers a duplicate create with 409, or (upstream quirk) 500 saying it already exists. */
export function meansAlreadyExists(err: unknown): boolean {
  if (isConflict(err)) return true;
  return err instanceof NemoRetryableError && err.status === 500 && /already exists/i.test(describeErrorBody(err.body));
}

export interface RemovalOutcome {
  /** GET answered 404 before the deadline. */
  gone: boolean;
  /** What DMS last reported while the record lingered. */
  lastStatus?: string;
}

export function createDeployments(http: HttpCore) {
  const itemPath = (namespace: string, name: string) => `${COLLECTION}${pathOf(namespace, name)}`;

  const deployments = {
    async create(spec: DeploymentSpec): Promise<Deployment> {
      const body = checkRequest(DeploymentSpecSchema, spec, 'POST', COLLECTION);
      return http.call({ method: 'POST', path: COLLECTION, body: { json: body } }, DeploymentSchema);
    },

    /** The deployment of that name, or undefined. Deployments are addressed by name, so no list scan. */
    get(namespace: string, name: string): Promise<Deployment | undefined> {
      return orAbsent(http.call({ method: 'GET', path: itemPath(namespace, name) }, DeploymentSchema));
    },

    list(): Promise<Deployment[]> {
      return listAll(http, COLLECTION, DeploymentSchema);
    },

    /** Finds the deployment by its name, creating it only when absent. Safe to call again. */
    async ensure(spec: DeploymentSpec): Promise<{ deployment: Deployment; created: boolean }> {
      const existing = await deployments.get(spec.namespace, spec.name);
      if (existing) return { deployment: existing, created: false };
      try {
        return { deployment: await deployments.create(spec), created: true };
      } catch (err) {
        if (!meansAlreadyExists(err)) throw err;
        const found = await deployments.get(spec.namespace, spec.name);
        if (found) return { deployment: found, created: false };
        // said to exist yet not readable: let the caller's retry sort it out
        throw new NemoRetryableError('deployment reported as existing but cannot be read', {
          method: 'GET',
          path: itemPath(spec.namespace, spec.name),
          status: 404,
        });
      }
    },

    /** Deletes it; answers false when it was already gone. */
    delete(namespace: string, name: string): Promise<boolean> {
      return deleteIfPresent(http.send({ method: 'DELETE', path: itemPath(namespace, name) }));
    },

    /**
     * Deletes it and waits until GET answers 404, at most `timeoutMs`. v1 has no deleting
     * status: the record may linger with any status while Kubernetes cleans up, so the wait
     * ends at the deadline whatever DMS reports, and says what it last saw.
     */
    async remove(
      namespace: string,
      name: string,
      options: { timeoutMs: number; intervalMs: number; sleep?: (ms: number) => Promise<void> },
    ): Promise<RemovalOutcome> {
      const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      await deployments.delete(namespace, name);
      const deadline = Date.now() + options.timeoutMs;
      let lastStatus: string | undefined;
      for (;;) {
        const d = await deployments.get(namespace, name);
        if (!d) return { gone: true };
        lastStatus = d.status_details.status;
        if (Date.now() + options.intervalMs > deadline) return { gone: false, lastStatus };
        await sleep(options.intervalMs);
      }
    },

    /** Waits until the deployment is `ready`; `failed` or a vanished deployment is permanent. */
    waitUntilReady(namespace: string, name: string, options?: WaitOptions): Promise<Deployment> {
      const what = { method: 'GET', path: itemPath(namespace, name) };
      return pollUntil({
        what,
        read: async () => {
          const d = await deployments.get(namespace, name);
          if (!d) throw new NemoPermanentError('deployment not found', { ...what, status: 404 });
          return d;
        },
        done: (d) => d.status_details.status === 'ready',
        failed: (d) =>
          d.status_details.status === 'failed' || d.status_details.status === 'cancelled'
            ? `deployment ${d.status_details.status}: ${d.status_details.description ?? 'no detail'}`
            : undefined,
        describe: (d) => `status ${d.status_details.status}`,
        options,
      });
    },
  };
  return deployments;
}

export type DeploymentsClient = ReturnType<typeof createDeployments>;
