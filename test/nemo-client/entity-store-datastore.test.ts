import { createNemoClient, type NemoClient, NemoPermanentError } from '../../nemo-client';
import { jsonl, toolCallingRecords, toTrainingLine } from './fixtures';
import { type NemoTarget, startNemoTarget, unique } from './support';

// Exercises: nemo-client/datastore.ts, nemo-client/entity-store.ts (called through the client this file creates, against the emulator)

// Entity Store and Datastore calls against the emulator (or a real NeMo via NEMO_BASE_URL).

let target: NemoTarget;
let client: NemoClient;
let ns: string;

beforeAll(async () => {
  target = await startNemoTarget();
  client = createNemoClient(target.config);
  ns = target.config.namespace;
  await client.ensureNamespace(ns);
});
afterAll(() => target.close());

describe('namespaces', () => {
  test('creating a namespace twice reports it existed the second time, in both services', async () => {
    const fresh = unique('fwtest-ns');
    expect(await client.entityStore.ensureNamespace(fresh)).toBe(true);
    expect(await client.entityStore.ensureNamespace(fresh)).toBe(false);
    expect(await client.datastore.ensureNamespace(fresh)).toBe(true);
    expect(await client.datastore.ensureNamespace(fresh)).toBe(false);
  });
});

describe('datastore repositories', () => {
  test('files uploaded in one commit are listed and read back byte for byte', async () => {
    const repo = unique('flywheel-train');
    expect(await client.datastore.ensureRepo(ns, repo)).toBe(true);
    expect(await client.datastore.ensureRepo(ns, repo)).toBe(false);
    const train = jsonl(toolCallingRecords(6).map(toTrainingLine));
    const val = jsonl(toolCallingRecords(2, 6).map(toTrainingLine));
    const commit = await client.datastore.uploadFiles(
      ns,
      repo,
      [
        { path: 'training/train_data.jsonl', content: train },
        { path: 'validation/val_data.jsonl', content: val },
      ],
      'training data',
    );
    expect(commit.commitOid).toEqual(expect.any(String));
    expect((await client.datastore.listFiles(ns, repo)).sort()).toEqual([
      'training/train_data.jsonl',
      'validation/val_data.jsonl',
    ]);
    expect(await client.datastore.readFile(ns, repo, 'training/train_data.jsonl')).toBe(train);
    expect(await client.datastore.readFile(ns, repo, 'validation/val_data.jsonl')).toBe(val);
  });

  test('uploading to an existing path replaces the file (a retried upload is harmless)', async () => {
    const repo = unique('flywheel-eval');
    await client.datastore.ensureRepo(ns, repo);
    await client.datastore.uploadFiles(ns, repo, [{ path: 'eval_data.jsonl', content: 'old\n' }], 'first');
    await client.datastore.uploadFiles(ns, repo, [{ path: 'eval_data.jsonl', content: 'new ünïcode\n' }], 'again');
    expect(await client.datastore.readFile(ns, repo, 'eval_data.jsonl')).toBe('new ünïcode\n');
    expect(await client.datastore.listFiles(ns, repo)).toEqual(['eval_data.jsonl']);
  });

  test('reading a missing file is a permanent 404; a deleted repository is gone and deleting again is fine', async () => {
    const repo = unique('flywheel-icl');
    await client.datastore.ensureRepo(ns, repo);
    const missing = await client.datastore.readFile(ns, repo, 'nope.jsonl').catch((e) => e);
    expect(missing).toBeInstanceOf(NemoPermanentError);
    expect(missing.status).toBe(404);
    expect(missing.method).toBe('GET');
    expect(missing.path).toContain(`/v1/hf/datasets/${ns}/${repo}/resolve/main/nope.jsonl`);
    expect(await client.datastore.deleteRepo(ns, repo)).toBe(true);
    expect(await client.datastore.getRepo(ns, repo)).toBeUndefined();
    expect(await client.datastore.deleteRepo(ns, repo)).toBe(false);
  });
});

describe('entity store datasets', () => {
  test('registering points the dataset at its repository; registering again updates instead of failing', async () => {
    const name = unique('flywheel-eval');
    const first = await client.entityStore.registerDataset({ namespace: ns, name, description: 'eval v1' });
    expect(first).toMatchObject({ name, namespace: ns, files_url: `hf://datasets/${ns}/${name}` });
    const again = await client.entityStore.registerDataset({ namespace: ns, name, description: 'eval v2' });
    expect(again.description).toBe('eval v2');
    expect((await client.entityStore.getDataset(ns, name))?.description).toBe('eval v2');
  });

  test('two concurrent registrations of one dataset both succeed and agree (409 turns into an update)', async () => {
    const name = unique('flywheel-icl');
    const [a, b] = await Promise.all([
      client.entityStore.registerDataset({ namespace: ns, name, description: 'same' }),
      client.entityStore.registerDataset({ namespace: ns, name, description: 'same' }),
    ]);
    expect(a.files_url).toBe(`hf://datasets/${ns}/${name}`);
    expect(b.files_url).toBe(a.files_url);
  });

  test('a duplicate create is a 409 NemoPermanentError; delete reports whether it existed', async () => {
    const name = unique('flywheel-train');
    const body = { name, namespace: ns, description: '', files_url: `hf://datasets/${ns}/${name}` };
    await client.entityStore.createDataset(body);
    const dup = await client.entityStore.createDataset(body).catch((e) => e);
    expect(dup).toBeInstanceOf(NemoPermanentError);
    expect(dup).toMatchObject({ status: 409, method: 'POST', path: '/v1/datasets' });
    expect(await client.entityStore.deleteDataset(ns, name)).toBe(true);
    expect(await client.entityStore.getDataset(ns, name)).toBeUndefined();
    expect(await client.entityStore.deleteDataset(ns, name)).toBe(false);
  });

  test('a dataset without a hf:// files_url is refused before anything is sent', async () => {
    const bad = await client.entityStore
      .createDataset({ name: 'x', namespace: ns, description: '', files_url: 's3://bucket/x' })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(NemoPermanentError);
    expect(bad.status).toBeUndefined();
    expect(bad.message).toMatch(/invalid request \(files_url: /);
  });
});

describe('entity store models', () => {
  test('an unknown model reads as absent and deleting it is a no-op', async () => {
    expect(await client.entityStore.getModel(`${ns}/${unique('none')}`)).toBeUndefined();
    expect(await client.entityStore.deleteModel(`${ns}/${unique('none')}`)).toBe(false);
    expect(Array.isArray(await client.entityStore.listModels())).toBe(true);
  });
});
