import { z } from 'zod';

// Who may do what. A token carries one role and the client_ids it may see; every route asks
// `authorize` (authorize.ts) before it reads or changes anything.

export const ROLES = ['read-only', 'operator', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/**
 * What a route does, as far as authorization is concerned:
 * - read: list and show jobs, workloads, schedules, progress, reports, history, configs;
 * - run: create or cancel a job, create, pause, unpause or trigger a schedule;
 * - delete: delete a job (its results and NeMo artifacts) or a schedule.
 */
export const ACTIONS = ['read', 'run', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];

export const ROLE_ACTIONS: Record<Role, readonly Action[]> = {
  'read-only': ['read'],
  operator: ['read', 'run'],
  admin: ['read', 'run', 'delete'],
};

/** The authenticated caller of a request. */
export interface Principal {
  /** The token's name from the token configuration: logged, and the scope of idempotency keys. */
  name: string;
  role: Role;
  /** The client_ids this token may see and act for; '*' is every client. */
  clientIds: '*' | ReadonlySet<string>;
}

/** The caller in open mode (FLYWHEEL_API_OPEN=1, local demo only): everything, every client. */
export const OPEN_PRINCIPAL: Principal = { name: 'open', role: 'admin', clientIds: '*' };
