// One page of the log export as Elasticsearch sends it (filter_path pit_id, hits.hits._id,
// _source, sort), read from its raw text. Pure, so a record worker can parse pages itself.

export interface SearchHit {
  _id?: string | null;
  _source?: unknown;
  sort?: (string | number | boolean | null)[];
}

export interface SearchPage {
  pitId?: string;
  hits: SearchHit[];
}

/** Where the export goes on from after a page: how many hits it held and the last one's sort values. */
export interface PageCursor {
  hits: number;
  lastSort?: SearchHit['sort'];
  pitId?: string;
}

export function parseSearchPage(text: string): SearchPage {
  const body = JSON.parse(text) as { pit_id?: string; hits?: { hits?: SearchHit[] } };
  // filter_path leaves `hits` out of an empty page
  return { ...(body.pit_id ? { pitId: body.pit_id } : {}), hits: body.hits?.hits ?? [] };
}

export function cursorOf(page: SearchPage): PageCursor {
  const last = page.hits[page.hits.length - 1];
  return {
    hits: page.hits.length,
    ...(last?.sort ? { lastSort: last.sort } : {}),
    ...(page.pitId ? { pitId: page.pitId } : {}),
  };
}
