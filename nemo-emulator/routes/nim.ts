import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { openAiError } from '../http/errors';
import { PageQuerySchema } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { EMBEDDING_DIMENSIONS, toBase64 } from '../models/embeddings';
import { ChatRequestSchema } from '../models/prompt';
import { entityModelList } from './entity-store';

// NIM proxy (OpenAI-compatible). `GET /v1/models` exists in both the NIM proxy and the Entity
// Store, which in a real cluster sit behind different hosts; on this single port a request
// carrying Entity Store list parameters (page, page_size, filter[...], sort) gets the Entity
// Store list, any other request the NIM proxy's list of served models.

const EmbeddingsBody = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.string()).min(1)]),
    input_type: z.enum(['query', 'passage']).optional(),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(8).max(4096).optional(),
  })
  .loose();

const ENTITY_LIST_PARAMS = /^(page|page_size|sort|filter\[.*\])$/;

export function nimRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.get('/v1/models', (c) => {
    const params = Object.keys(c.req.query());
    if (params.some((p) => ENTITY_LIST_PARAMS.test(p))) {
      return c.json(entityModelList(ctx, queryParams(c, PageQuerySchema)));
    }
    const created = Math.floor(Date.now() / 1000);
    return c.json({
      object: 'list',
      data: ctx.nim.served().map((m) => ({ id: m.id, object: 'model', created, owned_by: m.owned_by })),
    });
  });

  app.post('/v1/chat/completions', async (c) => {
    const body = await jsonBody(c, ChatRequestSchema, true);
    if (body.stream) throw openAiError(400, 'stream is not supported by the emulator');
    return c.json(ctx.nim.complete(body));
  });

  app.post('/v1/embeddings', async (c) => {
    const body = await jsonBody(c, EmbeddingsBody, true);
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    const dimensions = body.dimensions ?? EMBEDDING_DIMENSIONS;
    // NIM embedders are asymmetric: without input_type a text is read as a query.
    const vectors = ctx.nim.embed(body.model, inputs, body.input_type ?? 'query', dimensions);
    return c.json({
      object: 'list',
      model: body.model,
      data: inputs.map((_text, index) => {
        const vector = vectors[index] as number[];
        return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? toBase64(vector) : vector };
      }),
      usage: { prompt_tokens: inputs.join(' ').length, total_tokens: inputs.join(' ').length },
    });
  });

  return app;
}
