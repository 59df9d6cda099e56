import { z } from 'zod';
import { deleteIfPresent, isConflict, isExistingNamespace, NemoPermanentError, orAbsent } from './errors';
import { filePath, type HttpCore, pathOf } from './http';

// The Datastore speaks a subset of the Hugging Face Hub API; uploads use the Hub's two-step
// commit (preupload, then an ndjson commit with base64 file contents).

const RepoCreatedSchema = z.looseObject({ url: z.string().nullish() });
const PreuploadSchema = z.looseObject({
  files: z.array(z.looseObject({ path: z.string(), uploadMode: z.string(), shouldIgnore: z.boolean().nullish() })),
});
const CommitSchema = z.looseObject({ commitOid: z.string(), commitUrl: z.string().nullish() });
export const RepoInfoSchema = z.looseObject({
  id: z.string(),
  siblings: z.array(z.looseObject({ rfilename: z.string() })).default([]),
});
export type RepoInfo = z.infer<typeof RepoInfoSchema>;

export interface RepoFile {
  /** Path inside the repository, e.g. `training/train_data.jsonl`. */
  path: string;
  content: string | Uint8Array;
}

const SAMPLE_BYTES = 512;

export function createDatastore(http: HttpCore) {
  const repoBody = (namespace: string, name: string) => ({ name, organization: namespace, type: 'dataset' });
  const repoApiPath = (namespace: string, name: string, ...rest: string[]) =>
    pathOf('v1', 'hf', 'api', 'datasets', namespace, name, ...rest);

  const datastore = {
    /** Creates the Datastore namespace; answers false when it already existed (409 or 422). */
    async ensureNamespace(namespace: string): Promise<boolean> {
      try {
        await http.send({ method: 'POST', path: '/v1/datastore/namespaces', body: { form: { namespace } } });
        return true;
      } catch (err) {
        if (isExistingNamespace(err)) return false;
        throw err;
      }
    },

    /** Creates the dataset repository; answers false when it already existed. */
    async ensureRepo(namespace: string, name: string): Promise<boolean> {
      try {
        await http.call(
          { method: 'POST', path: '/v1/hf/api/repos/create', body: { json: repoBody(namespace, name) } },
          RepoCreatedSchema,
        );
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    },

    deleteRepo(namespace: string, name: string): Promise<boolean> {
      return deleteIfPresent(
        http.send({ method: 'DELETE', path: '/v1/hf/api/repos/delete', body: { json: repoBody(namespace, name) } }),
      );
    },

    getRepo(namespace: string, name: string): Promise<RepoInfo | undefined> {
      return orAbsent(http.call({ method: 'GET', path: repoApiPath(namespace, name) }, RepoInfoSchema));
    },

    async listFiles(namespace: string, name: string): Promise<string[]> {
      const repo = await datastore.getRepo(namespace, name);
      if (!repo)
        throw new NemoPermanentError('repository not found', {
          method: 'GET',
          path: repoApiPath(namespace, name),
          status: 404,
        });
      return repo.siblings.map((s) => s.rfilename);
    },

    /** Uploads the files in one commit on `main`; a file at an existing path is replaced. */
    async uploadFiles(
      namespace: string,
      name: string,
      files: RepoFile[],
      summary: string,
    ): Promise<{ commitOid: string; commitUrl?: string | null }> {
      const encoded = files.map((f) => ({
        path: f.path,
        bytes: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : Buffer.from(f.content),
      }));
      const preuploadPath = repoApiPath(namespace, name, 'preupload', 'main');
      const plan = await http.call(
        {
          method: 'POST',
          path: preuploadPath,
          body: {
            json: {
              files: encoded.map((f) => ({
                path: f.path,
                size: f.bytes.length,
                sample: f.bytes.subarray(0, SAMPLE_BYTES).toString('base64'),
              })),
            },
          },
        },
        PreuploadSchema,
      );
      const refused = plan.files.filter((f) => f.uploadMode !== 'regular' || f.shouldIgnore);
      if (refused.length > 0) {
        // LFS uploads need a second storage protocol this client does not speak.
        const what = refused.map((f) => `${f.path} (${f.shouldIgnore ? 'ignored' : f.uploadMode})`).join(', ');
        throw new NemoPermanentError(`datastore will not take these files as regular files: ${what}`, {
          method: 'POST',
          path: preuploadPath,
          body: plan,
        });
      }
      return http.call(
        {
          method: 'POST',
          path: repoApiPath(namespace, name, 'commit', 'main'),
          body: {
            ndjson: [
              { key: 'header', value: { summary, description: '' } },
              ...encoded.map((f) => ({
                key: 'file',
                value: { path: f.path, content: f.bytes.toString('base64'), encoding: 'base64' },
              })),
            ],
          },
        },
        CommitSchema,
      );
    },

    /** The file's content as text; a missing file is a NemoPermanentError with status 404. */
    readFile(namespace: string, name: string, path: string): Promise<string> {
      return http.text({
        method: 'GET',
        path: `${pathOf('v1', 'hf', 'datasets', namespace, name, 'resolve', 'main')}/${filePath(path)}`,
      });
    },
  };
  return datastore;
}

export type DatastoreClient = ReturnType<typeof createDatastore>;
