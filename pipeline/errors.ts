/**
 * The workload's data cannot make usable datasets (too few records, all rejected). Retrying
 * does not help, so the workflow treats this type as non-retryable; the message says what to
 * change.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    message: string,
    readonly context: { workloadId: string; clientId: string; [key: string]: unknown },
  ) {
    super(message);
  }
}
