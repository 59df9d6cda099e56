import { z } from 'zod';

// The one status list of the NeMo v1 API: the SDK's `JobStatus` (nemo-microservices 1.5.0,
// types/shared/job_status.py). Deployments, customization and evaluation jobs all report it.

export const JOB_STATUSES = [
  'created',
  'pending',
  'running',
  'cancelled',
  'cancelling',
  'failed',
  'completed',
  'ready',
  'unknown',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A status as read from a response: anything outside the enum reads as `unknown`. */
export const JobStatusSchema = z.enum(JOB_STATUSES).catch('unknown');

/** Still on its way: nothing final has happened yet. */
export const QUEUED_STATUSES: ReadonlySet<JobStatus> = new Set(['created', 'pending']);

/** A job that ended without the result it was created for. */
export const FAILED_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['failed', 'cancelled']);

export const isFailedJob = (status: JobStatus | null | undefined) =>
  status !== null && status !== undefined && FAILED_JOB_STATUSES.has(status);
