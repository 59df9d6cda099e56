// The API's response shapes as the CLI reads them (the API's zod schemas are the source).
import type { z } from 'zod';
import type { GpusResponse } from '../api/gpus-router';
import type { JobProgressResponse } from '../api/jobs/progress';
import type { JobDetailResponse, JobListItem, JobResponse } from '../api/jobs/schemas';
import type { ScheduleResponse, ScheduleTriggerResponse } from '../api/schedules/schemas';

export type JobDetail = z.infer<typeof JobDetailResponse>;
export type JobSummary = z.infer<typeof JobListItem>;
export type JobCreated = z.infer<typeof JobResponse>;
export type JobProgress = z.infer<typeof JobProgressResponse>;
export type GpuLedger = z.infer<typeof GpusResponse>;
export type Schedule = z.infer<typeof ScheduleResponse>;
export type ScheduleTrigger = z.infer<typeof ScheduleTriggerResponse>;
export interface Workload {
  client_id: string;
  workload_id: string;
  num_records: number;
  last_seen: string | null;
}
export interface Message {
  id: string;
  message: string;
}
