import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import type { ResultsStore } from '../stores/results/results-store';
import { createApp, openApiDocument } from './app';
import { memoryLogger } from './logger';

/**
 * The OpenAPI document as committed in docs/openapi.json. Building the document touches no
 * client, so the app is built with placeholders and no server is needed.
 */
export function committedOpenApiText(): string {
  const unused = {} as never;
  const app = createApp({
    temporal: unused as TemporalClient,
    results: unused as ResultsStore,
    elasticsearch: unused as ElasticsearchClient,
    logIndex: 'unused',
    taskQueue: 'unused',
    tokens: 'open',
    logger: memoryLogger(),
    configNames: () => ['default'],
  });
  return `${JSON.stringify(openApiDocument(app), null, 2)}\n`;
}
