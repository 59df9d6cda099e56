import { ApiError, badRequest, conflict, notFound, unavailable, unprocessable } from '../../api/errors';

// The API's errors: the status and the `detail` the Blueprint's clients read.

test('each helper gives its status and keeps the detail string', () => {
  const cases: [ApiError, number][] = [
    [badRequest('Invalid job_id'), 400],
    [notFound('Job not found'), 404],
    [conflict('Job already finished'), 409],
    [unavailable('Temporal is unreachable'), 503],
  ];
  for (const [err, status] of cases) {
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(status);
    expect(err.detail).toBe(err.message);
    expect(err.name).toBe('ApiError');
  }
});

test('a 422 keeps its issues as the detail and lists them, located, in its message', () => {
  const issues = [
    { loc: ['body', 'workload_id'], msg: 'Field required', type: 'missing' },
    { loc: ['body', 'data_split_config', 'val_ratio'], msg: 'Input should be less than 1', type: 'less_than' },
  ];
  const err = unprocessable(issues);
  expect(err.status).toBe(422);
  expect(err.detail).toEqual(issues);
  expect(err.message).toBe(
    'body.workload_id: Field required; body.data_split_config.val_ratio: Input should be less than 1',
  );
});
