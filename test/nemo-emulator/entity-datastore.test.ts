import { Emulator } from './support';

// Exercises: nemo-emulator/app.ts, nemo-emulator/routes/datastore.ts, nemo-emulator/routes/entity-store.ts, nemo-emulator/state/store.ts (served by the emulator this file starts, so no import names them)

// Entity Store and Datastore routes over raw HTTP: happy paths and the error shapes
// (FastAPI 422 details, 404, 409) the real services answer with.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(() => emulator.close());

describe('Entity Store', () => {
  test('a namespace is created once; a second create is 409 and a body without id is 422 "missing"', async () => {
    expect((await emulator.call('POST', '/v1/namespaces', { id: 'ns-a' })).status).toBe(201);
    const again = await emulator.call('POST', '/v1/namespaces', { id: 'ns-a' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already exists/);
    const bad = await emulator.call('POST', '/v1/namespaces', {});
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([{ loc: ['body', 'id'], msg: 'Field required', type: 'missing' }]);
  });

  test('a body that is not JSON is a 422 json_invalid like FastAPI', async () => {
    const reply = await emulator.call('POST', '/v1/datasets', '{not json', { 'content-type': 'application/json' });
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
  });

  test('datasets are registered, read, patched, listed by page and deleted', async () => {
    const body = {
      name: 'ds-1',
      namespace: 'ns-a',
      description: 'eval',
      files_url: 'hf://datasets/ns-a/ds-1',
      project: 'flywheel',
    };
    const created = await emulator.call('POST', '/v1/datasets', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(body);
    expect((await emulator.call('POST', '/v1/datasets', body)).status).toBe(409);
    await emulator.ok('POST', '/v1/datasets', { ...body, name: 'ds-2', files_url: 'hf://datasets/ns-a/ds-2' });

    const patched = await emulator.ok('PATCH', '/v1/datasets/ns-a/ds-1', { files_url: 'hf://datasets/ns-a/ds-9' });
    expect(patched.files_url).toBe('hf://datasets/ns-a/ds-9');
    expect((await emulator.ok('GET', '/v1/datasets/ns-a/ds-1')).files_url).toBe('hf://datasets/ns-a/ds-9');

    const page = await emulator.ok('GET', '/v1/datasets?page=2&page_size=1');
    expect(page.object).toBe('list');
    expect(page.pagination).toEqual({ page: 2, page_size: 1, current_page_size: 1, total_pages: 2, total_results: 2 });

    expect((await emulator.call('DELETE', '/v1/datasets/ns-a/ds-1')).status).toBe(200);
    expect((await emulator.call('GET', '/v1/datasets/ns-a/ds-1')).status).toBe(404);
    expect((await emulator.call('DELETE', '/v1/datasets/ns-a/ds-1')).status).toBe(404);
  });

  test('a dataset whose files_url is not hf://datasets/... is rejected with the field named', async () => {
    const reply = await emulator.call('POST', '/v1/datasets', {
      name: 'x',
      namespace: 'ns-a',
      files_url: 's3://bucket/x',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0].loc).toEqual(['body', 'files_url']);
  });

  test('a bad page size is a 422 on the query', async () => {
    const reply = await emulator.call('GET', '/v1/datasets?page_size=0');
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0].loc).toEqual(['query', 'page_size']);
  });

  test('unknown models and unknown routes are 404 with a detail', async () => {
    expect(await emulator.call('GET', '/v1/models/ns-a/nothing')).toMatchObject({ status: 404 });
    expect(await emulator.call('DELETE', '/v1/models/ns-a/nothing')).toMatchObject({ status: 404 });
    expect(await emulator.call('GET', '/v1/no/such/route')).toEqual({ status: 404, body: { detail: 'Not Found' } });
  });
});

describe('Datastore', () => {
  const ndjson = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n');
  const file = (path: string, text: string) => ({
    key: 'file',
    value: { path, content: Buffer.from(text).toString('base64'), encoding: 'base64' },
  });
  const commit = (repo: string, body: string) =>
    emulator.call('POST', `/v1/hf/api/datasets/${repo}/commit/main`, body, { 'content-type': 'application/x-ndjson' });

  test('namespaces are created from a form field; twice is 409, without the field 422', async () => {
    const form = (ns?: string) =>
      fetch(`${emulator.url}/v1/datastore/namespaces`, {
        method: 'POST',
        body: new URLSearchParams(ns ? { namespace: ns } : {}),
      });
    expect((await form('store-a')).status).toBe(201);
    expect((await form('store-a')).status).toBe(409);
    const missing = await form();
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: unknown[] }).detail[0]).toMatchObject({
      loc: ['body', 'namespace'],
      type: 'missing',
    });
  });

  test('files are uploaded with preupload + commit, listed, downloaded and replaced at the same path', async () => {
    const repo = { name: 'files-1', organization: 'store-a', type: 'dataset' };
    const created = await emulator.call('POST', '/v1/hf/api/repos/create', repo);
    expect(created.status).toBe(200);
    expect(created.body.url).toContain('/datasets/store-a/files-1');
    expect((await emulator.call('POST', '/v1/hf/api/repos/create', repo)).status).toBe(409);

    const pre = await emulator.ok('POST', '/v1/hf/api/datasets/store-a/files-1/preupload/main', {
      files: [{ path: 'eval_data.jsonl', size: 10, sample: '' }],
    });
    expect(pre.files).toEqual([{ path: 'eval_data.jsonl', uploadMode: 'regular', shouldIgnore: false }]);

    const header = { key: 'header', value: { summary: 'first', description: '' } };
    const first = await commit(
      'store-a/files-1',
      ndjson(header, file('eval_data.jsonl', 'one\n'), file('training/train_data.jsonl', 'two\n')),
    );
    expect(first.status).toBe(200);
    expect(first.body.commitOid).toMatch(/^[0-9a-f]{40}$/);

    const info = await emulator.ok('GET', '/v1/hf/api/datasets/store-a/files-1');
    expect(info.id).toBe('store-a/files-1');
    expect(info.siblings).toEqual([{ rfilename: 'eval_data.jsonl' }, { rfilename: 'training/train_data.jsonl' }]);
    const nested = await fetch(`${emulator.url}/v1/hf/datasets/store-a/files-1/resolve/main/training/train_data.jsonl`);
    expect(await nested.text()).toBe('two\n');

    await commit('store-a/files-1', ndjson(header, file('eval_data.jsonl', 'replaced\n')));
    const replaced = await fetch(`${emulator.url}/v1/hf/datasets/store-a/files-1/resolve/main/eval_data.jsonl`);
    expect(await replaced.text()).toBe('replaced\n');
  });

  test('a commit with a bad line is rejected whole: 422 naming the line, nothing written', async () => {
    await emulator.ok('POST', '/v1/hf/api/repos/create', { name: 'files-2', organization: 'store-a', type: 'dataset' });
    const reply = await commit('store-a/files-2', `${JSON.stringify(file('a.jsonl', 'a'))}\n{broken`);
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0].msg).toMatch(/line 2/);
    const wrongEncoding = await commit(
      'store-a/files-2',
      ndjson({ key: 'file', value: { path: 'b', content: 'x', encoding: 'utf-8' } }),
    );
    expect(wrongEncoding.status).toBe(422);
    expect((await emulator.ok('GET', '/v1/hf/api/datasets/store-a/files-2')).siblings).toEqual([]);
  });

  test('missing repos and files are 404; a deleted repo is gone', async () => {
    expect((await emulator.call('GET', '/v1/hf/datasets/store-a/none/resolve/main/x.jsonl')).status).toBe(404);
    expect((await commit('store-a/none', ndjson(file('x', 'y')))).status).toBe(404);
    await emulator.ok('POST', '/v1/hf/api/repos/create', { name: 'files-3', organization: 'store-a', type: 'dataset' });
    expect((await emulator.call('GET', '/v1/hf/datasets/store-a/files-3/resolve/main/missing.jsonl')).status).toBe(404);
    const repo = { name: 'files-3', organization: 'store-a', type: 'dataset' };
    expect((await emulator.call('DELETE', '/v1/hf/api/repos/delete', repo)).status).toBe(200);
    expect((await emulator.call('DELETE', '/v1/hf/api/repos/delete', repo)).status).toBe(404);
    expect((await emulator.call('GET', '/v1/hf/api/datasets/store-a/files-3')).status).toBe(404);
  });

  test('creating a repo of another type is a 422 on the type field', async () => {
    const reply = await emulator.call('POST', '/v1/hf/api/repos/create', {
      name: 'm',
      organization: 'store-a',
      type: 'model',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0].loc).toEqual(['body', 'type']);
  });
});
