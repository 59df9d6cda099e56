import type { Client, estypes } from '@elastic/elasticsearch';

// The production-log index. Unlike upstream's strict mapping, unknown top-level fields are
// accepted (kept in _source, not indexed), so an application may log extra metadata. The
// request/response payloads are stored but never indexed: they are only ever read back.
//
// Timestamps: the loader normalises epoch seconds, epoch millis and ISO strings to ISO-8601
// before indexing, because a bare number in a date field is always read as milliseconds
// (this distribution has no ingest pipelines to do it server-side). Documents written by
// other tools are still accepted in either ISO or epoch-millis form.

export const LOG_INDEX_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    workload_id: { type: 'keyword' },
    client_id: { type: 'keyword' },
    timestamp: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
    request: { type: 'object', enabled: false },
    response: { type: 'object', enabled: false },
  },
};

export const LOG_INDEX_SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  number_of_replicas: 0,
  'mapping.total_fields.limit': 1000,
};

/** Creates the log index with the mapping above unless it exists (safe to race). */
export async function ensureLogIndex(es: Client, index: string): Promise<void> {
  if (await es.indices.exists({ index })) return;
  try {
    await es.indices.create({ index, mappings: LOG_INDEX_MAPPINGS, settings: LOG_INDEX_SETTINGS });
  } catch (err) {
    const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type !== 'resource_already_exists_exception') throw err;
  }
}
