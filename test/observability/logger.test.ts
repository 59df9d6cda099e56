import { jsonLogger } from '../../api/logger';
import { createLogger, runContext, temporalLogger } from '../../observability/logger';

// The Temporal runtime logger over pino: one JSON line per call, run ids derived from the
// workflow id, secrets removed however deeply they nest.

function capture() {
  const lines: string[] = [];
  const logger = createLogger('worker', { write: (s: string) => lines.push(s) }, 'debug');
  return { lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), logger };
}

const JOB = '0123456789abcdef01234567';

test('an activity log line carries job id, workflow id and candidate, and never the task token', () => {
  const { lines, parsed, logger } = capture();
  temporalLogger(logger).debug('Activity completed', {
    sdkComponent: 'activity',
    taskToken: 'c2VjcmV0LXRhc2stdG9rZW4=',
    workflowId: `flywheel-${JOB}-meta-llama-3.2-1b-instruct`,
    activityType: 'runEvaluation',
    nested: { taskToken: 'x', headers: { authorization: 'Bearer abc' } },
  });
  expect(lines).toHaveLength(1);
  expect(lines[0]?.endsWith('\n')).toBe(true);
  expect(lines[0]).not.toMatch(/taskToken|c2VjcmV0|Bearer abc/);
  expect(parsed()[0]).toMatchObject({
    level: 'debug',
    component: 'worker',
    msg: 'Activity completed',
    job_id: JOB,
    candidate: 'meta-llama-3.2-1b-instruct',
    workflow_id: `flywheel-${JOB}-meta-llama-3.2-1b-instruct`,
    activityType: 'runEvaluation',
  });
});

test('levels map one to one, and errors keep their message and stack', () => {
  const { parsed, logger } = capture();
  const t = temporalLogger(logger);
  t.warn('slow', { workflowId: `flywheel-${JOB}` });
  t.log('ERROR', 'boom', { error: new Error('ECONNREFUSED') });
  const [warn, error] = parsed();
  expect(warn).toMatchObject({ level: 'warn', job_id: JOB });
  expect(warn?.candidate).toBeUndefined();
  expect(error).toMatchObject({ level: 'error', error: { message: 'ECONNREFUSED', type: 'Error' } });
  expect(String((error?.error as { stack?: string } | undefined)?.stack)).toContain('ECONNREFUSED');
});

test('workflow ids that are not a run have no run context', () => {
  expect(runContext('flywheel-gpu-budget-q')).toEqual({});
  expect(runContext(undefined)).toEqual({});
  expect(runContext(`flywheel-delete-${JOB}`)).toEqual({ job_id: JOB });
});

test("the API's request line is the line info('request') writes, without the redaction pass", () => {
  const lines: string[] = [];
  const api = jsonLogger((l) => lines.push(l));
  const fields = { request_id: 'r-1', method: 'GET', path: '/api/jobs', status: 200, duration_ms: 1.5 };
  api.info('request', fields);
  api.request?.(fields);
  const [viaInfo, viaRequest] = lines.map((l) => {
    const { time, ...rest } = JSON.parse(l) as Record<string, unknown>;
    expect(typeof time).toBe('string');
    return rest;
  });
  expect(viaRequest).toEqual(viaInfo);
  expect(viaRequest).toEqual({ level: 'info', component: 'api', msg: 'request', ...fields });
  // the pass is still there for every other line
  api.info('other', { token: 'secret-token-value', nested: { authorization: 'Bearer x' } });
  expect(lines[2]).not.toMatch(/secret-token-value|Bearer x/);
});
