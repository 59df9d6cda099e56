import { z } from 'zod';
import { deleteIfPresent, isConflict, isExistingNamespace, orAbsent } from './errors';
import { checkRequest, type HttpCore, pathOf } from './http';
import { listAll } from './pagination';

export const DatasetSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  description: z.string().nullish(),
  files_url: z.string(),
  project: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type Dataset = z.infer<typeof DatasetSchema>;

export const ModelEntrySchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  base_model: z.unknown().optional(),
  created_at: z.string().nullish(),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

const CreateDatasetSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  description: z.string(),
  files_url: z.string().startsWith('hf://datasets/'),
  project: z.string().optional(),
});
export type CreateDataset = z.input<typeof CreateDatasetSchema>;

/** `ns/name` → [ns, name]; a model name without a namespace is a caller bug. */
export function splitModelName(model: string): [string, string] {
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) throw new Error(`model name "${model}" is not "namespace/name"`);
  return [model.slice(0, slash), model.slice(slash + 1)];
}

export const datasetFilesUrl = (namespace: string, name: string) => `hf://datasets/${namespace}/${name}`;

export function createEntityStore(http: HttpCore) {
  const datasetPath = (namespace: string, name: string) => pathOf('v1', 'datasets', namespace, name);
  const modelPath = (model: string) => pathOf('v1', 'models', ...splitModelName(model));

  const store = {
    /**
     * Creates the namespace; answers false when it already existed (409, or 422 when the
     * namespace can be read back: a 422 for any other reason is rethrown).
     */
    async ensureNamespace(id: string): Promise<boolean> {
      try {
        await http.send({ method: 'POST', path: '/v1/namespaces', body: { json: { id } } });
        return true;
      } catch (err) {
        if (!isExistingNamespace(err)) throw err;
        if (isConflict(err)) return false;
        if (await orAbsent(http.send({ method: 'GET', path: pathOf('v1', 'namespaces', id) }))) return false;
        throw err;
      }
    },

    async createDataset(input: CreateDataset): Promise<Dataset> {
      const body = checkRequest(CreateDatasetSchema, input, 'POST', '/v1/datasets');
      return http.call({ method: 'POST', path: '/v1/datasets', body: { json: body } }, DatasetSchema);
    },

    getDataset(namespace: string, name: string): Promise<Dataset | undefined> {
      return orAbsent(http.call({ method: 'GET', path: datasetPath(namespace, name) }, DatasetSchema));
    },

    updateDataset(
      namespace: string,
      name: string,
      changes: { description?: string; files_url?: string },
    ): Promise<Dataset> {
      return http.call({ method: 'PATCH', path: datasetPath(namespace, name), body: { json: changes } }, DatasetSchema);
    },

    /**
     * Registers a dataset pointing at its Datastore repository; an existing registration is
     * updated instead, so calling it again is harmless.
     */
    async registerDataset(input: {
      namespace: string;
      name: string;
      description: string;
      project?: string;
    }): Promise<Dataset> {
      const files_url = datasetFilesUrl(input.namespace, input.name);
      const existing = await store.getDataset(input.namespace, input.name);
      if (existing) {
        if (existing.files_url === files_url && (existing.description ?? '') === input.description) return existing;
        return store.updateDataset(input.namespace, input.name, { description: input.description, files_url });
      }
      try {
        return await store.createDataset({ ...input, files_url });
      } catch (err) {
        // created by a concurrent or earlier attempt between our read and our write
        if (!isConflict(err)) throw err;
        return store.updateDataset(input.namespace, input.name, { description: input.description, files_url });
      }
    },

    deleteDataset(namespace: string, name: string): Promise<boolean> {
      return deleteIfPresent(http.send({ method: 'DELETE', path: datasetPath(namespace, name) }));
    },

    listModels(): Promise<ModelEntry[]> {
      return listAll(http, '/v1/models', ModelEntrySchema);
    },

    /** `model` is `namespace/name`. */
    getModel(model: string): Promise<ModelEntry | undefined> {
      return orAbsent(http.call({ method: 'GET', path: modelPath(model) }, ModelEntrySchema));
    },

    deleteModel(model: string): Promise<boolean> {
      return deleteIfPresent(http.send({ method: 'DELETE', path: modelPath(model) }));
    },
  };
  return store;
}

export type EntityStoreClient = ReturnType<typeof createEntityStore>;
