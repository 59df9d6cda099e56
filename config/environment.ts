import { z } from 'zod';

// Process-level settings from environment variables, read when asked for (never at import
// time) so tests and entry points can set them first.
const EnvironmentSchema = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    FLYWHEEL_TASK_QUEUE: z.string().min(1).default('flywheel'),
    ELASTICSEARCH_URL: z.url().default('http://127.0.0.1:9200'),
    ES_COLLECTION_NAME: z.string().min(1).default('flywheel'),
    MONGODB_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27017'),
    MONGODB_DB: z.string().min(1).default('flywheel'),
    /** A prebuilt workflow bundle (scripts/build-workflow-bundle.ts); unset, the worker bundles at start. */
    FLYWHEEL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
    /** Mutual TLS to Temporal (e.g. Temporal Cloud): PEM file paths; cert and key go together. */
    TEMPORAL_TLS_CERT: z.string().min(1).optional(),
    TEMPORAL_TLS_KEY: z.string().min(1).optional(),
    /** A CA bundle for a server certificate not signed by a public CA; enables TLS on its own. */
    TEMPORAL_TLS_CA: z.string().min(1).optional(),
    TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    /** How long a stopping worker lets running activities finish. */
    FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(30),
    /** A pending step with no heartbeat or new attempt for this long is reported as stalled. */
    FLYWHEEL_STALL_WARNING_SECONDS: z.coerce.number().positive().default(300),
    /** An MLflow tracking server: every run is tracked there (unset: no MLflow tracking). */
    FLYWHEEL_MLFLOW_URI: z.url().optional(),
  })
  .refine((e) => (e.TEMPORAL_TLS_CERT === undefined) === (e.TEMPORAL_TLS_KEY === undefined), {
    message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together',
    path: ['TEMPORAL_TLS_KEY'],
  });

export type Environment = z.infer<typeof EnvironmentSchema>;

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = EnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
