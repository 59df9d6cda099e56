import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { conflict, HttpError, notFound, unprocessable } from '../http/errors';
import { jsonBody, validate } from '../http/validation';
import { key, now, type Repo } from '../state/store';

// Datastore: the Hugging Face Hub subset the flywheel uses (dataset repos, the two-step
// commit upload, listing, file download), plus NeMo's namespace creation.

const RepoBody = z
  .object({ name: z.string().min(1), organization: z.string().min(1), type: z.literal('dataset') })
  .loose();

const PreuploadBody = z
  .object({
    files: z.array(z.object({ path: z.string().min(1), size: z.number().int().min(0).optional() }).loose()).min(1),
  })
  .loose();

const CommitLine = z.discriminatedUnion('key', [
  z.object({ key: z.literal('header'), value: z.object({ summary: z.string().optional() }).loose() }),
  z.object({
    key: z.literal('file'),
    value: z.object({ path: z.string().min(1), content: z.string(), encoding: z.literal('base64') }).loose(),
  }),
]);

export function datastoreRoutes(ctx: EmulatorContext, baseUrl: () => string): Hono {
  const app = new Hono();

  app.post('/v1/datastore/namespaces', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const namespace = form.namespace;
    if (typeof namespace !== 'string' || namespace.length === 0) {
      throw unprocessable(['body', 'namespace'], 'Field required', 'missing');
    }
    if (ctx.state.datastoreNamespaces.has(namespace)) throw conflict(`Namespace ${namespace}`);
    ctx.state.datastoreNamespaces.add(namespace);
    return c.json({ namespace, created_at: now() }, 201);
  });

  app.post('/v1/hf/api/repos/create', async (c) => {
    const body = await jsonBody(c, RepoBody);
    const id = key(body.organization, body.name);
    if (ctx.state.repos.has(id)) {
      // the Hub's 409 carries the repo URL, which huggingface_hub's create_repo(exist_ok) reads
      return c.json({ error: `Repository ${id} already exists`, url: `${baseUrl()}/datasets/${id}` }, 409);
    }
    ctx.state.repos.set(id, { id, files: new Map(), created_at: now(), sha: INITIAL_SHA });
    return c.json({ url: `${baseUrl()}/datasets/${id}`, name: id });
  });

  app.delete('/v1/hf/api/repos/delete', async (c) => {
    const body = await jsonBody(c, RepoBody);
    const id = key(body.organization, body.name);
    if (!ctx.state.repos.delete(id)) throw notFound(`Repository ${id}`);
    return c.json({ message: `Repository ${id} deleted` });
  });

  app.post('/v1/hf/api/datasets/:ns/:name/preupload/:revision', async (c) => {
    repo(ctx, c.req.param('ns'), c.req.param('name'));
    const body = await jsonBody(c, PreuploadBody);
    return c.json({ files: body.files.map((f) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })) });
  });

  app.post('/v1/hf/api/datasets/:ns/:name/commit/:revision', async (c) => {
    const target = repo(ctx, c.req.param('ns'), c.req.param('name'));
    const lines = (await c.req.text()).split('\n').filter((l) => l.trim().length > 0);
    // Parse everything first: a bad line rejects the whole commit, nothing is half-written.
    const files = new Map<string, Buffer>();
    let summary = '';
    lines.forEach((line, i) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw unprocessable(['body', i], `line ${i + 1} is not JSON`, 'json_invalid');
      }
      const entry = validate(CommitLine, json, 'body');
      if (entry.key === 'header') summary = entry.value.summary ?? '';
      else files.set(entry.value.path, Buffer.from(entry.value.content, 'base64'));
    });
    if (files.size === 0) throw unprocessable(['body'], 'the commit holds no file operations');
    for (const [path, bytes] of files) target.files.set(path, bytes);
    const oid = createHash('sha1')
      .update(`${target.id}\n${target.sha}\n${summary}\n${now()}\n${[...files.keys()].join('\n')}`)
      .digest('hex');
    target.sha = oid;
    return c.json({ commitOid: oid, commitUrl: `${baseUrl()}/datasets/${target.id}/commit/${oid}` });
  });

  app.get('/v1/hf/api/datasets/:ns/:name', (c) => {
    const found = repo(ctx, c.req.param('ns'), c.req.param('name'));
    return c.json({
      id: found.id,
      sha: found.sha,
      createdAt: found.created_at,
      siblings: [...found.files.keys()].sort().map((rfilename) => ({ rfilename })),
    });
  });

  // The Hub's tree listing (huggingface_hub list_repo_files / list_repo_tree): files only,
  // under an optional folder, recursively when asked.
  const tree = (c: Context, folder: string) => {
    const found = repo(ctx, c.req.param('ns') ?? '', c.req.param('name') ?? '');
    const recursive = c.req.query('recursive') === 'true' || c.req.query('recursive') === '1';
    const prefix = folder ? `${folder.replace(/\/+$/, '')}/` : '';
    const entries = [...found.files.entries()]
      .filter(([path]) => path.startsWith(prefix) && (recursive || !path.slice(prefix.length).includes('/')))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, bytes]) => ({ type: 'file', path, size: bytes.length, oid: gitBlobId(bytes) }));
    return c.json(entries);
  };
  app.get('/v1/hf/api/datasets/:ns/:name/tree/:revision', (c) => tree(c, ''));
  app.get('/v1/hf/api/datasets/:ns/:name/tree/:revision/:path{.+}', (c) => tree(c, c.req.param('path')));

  app.get('/v1/hf/datasets/:ns/:name/resolve/:revision/:path{.+}', (c) => {
    const found = repo(ctx, c.req.param('ns'), c.req.param('name'));
    const path = c.req.param('path');
    const bytes = found.files.get(path);
    if (!bytes) throw new HttpError(404, `Entry ${path} not found in ${found.id}`);
    // the headers huggingface_hub's hf_hub_download needs to trust and cache the file
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'application/octet-stream',
      'x-repo-commit': found.sha,
      etag: `"${gitBlobId(bytes)}"`,
      'content-length': String(bytes.length),
    });
  });

  return app;
}

const INITIAL_SHA = '0'.repeat(40);

/** The blob id git (and the Hub) gives a file's content. */
function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function repo(ctx: EmulatorContext, ns: string, name: string): Repo {
  const found = ctx.state.repos.get(key(ns, name));
  if (!found) throw notFound(`Repository ${key(ns, name)}`);
  return found;
}
