import { isUtf8 } from 'node:buffer';
import type { PageCursor } from '../stores/search-page';
import { JsonBytes, quoted, UNSURE } from './json-bytes';

// A raw export page (stores/search-page.ts: pit_id, hits.hits[]._id, _source, sort) read as
// bytes: where each hit's id and record are, and the page's cursor, without parsing the
// records. What JSON.parse of the whole page would give for them is what JSON.parse of each
// span gives. A page this does not recognise (not UTF-8, whitespace, unexpected types,
// duplicate keys) is left to parseSearchPage: `scanSearchPage` answers undefined.

export interface RawPage {
  cursor: PageCursor;
  count: number;
  /** Per hit: where its `_id` string is (quotes included), -1 when absent or null. */
  idStart: Int32Array;
  idEnd: Int32Array;
  /** Per hit: where its `_source` value is, -1 when absent. */
  sourceStart: Int32Array;
  sourceEnd: Int32Array;
}

const PIT_ID = quoted('pit_id');
const HITS = quoted('hits');
const ID = quoted('_id');
const SOURCE = quoted('_source');
const SORT = quoted('sort');

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const QUOTE = 0x22;
const NULL_START = 0x6e;

const scanner = new JsonBytes();

/** `known`: JSON values the records are likely to hold (record-bytes.ts `knownTools`), skipped at once. */
export function scanSearchPage(body: Buffer, known: readonly Buffer[] = []): RawPage | undefined {
  if (!isUtf8(body)) return undefined;
  const sc = scanner;
  sc.reset(body, 0);
  const ids: number[] = [];
  const sources: number[] = [];
  let pitId: unknown;
  let lastSort = -1;
  let lastSortEnd = -1;
  try {
    if (sc.peek() !== OPEN_BRACE) return undefined;
    const top = sc.openObject();
    for (let first = true; sc.nextKey(top, first, false, true); first = false) {
      const at = sc.pos;
      if (sc.keyIs(PIT_ID)) {
        sc.value(false);
        pitId = JSON.parse(sc.text(at, sc.pos));
      } else if (sc.keyIs(HITS)) {
        if (sc.peek() !== OPEN_BRACE) return undefined;
        const outer = sc.openObject();
        for (let f = true; sc.nextKey(outer, f, false, true); f = false) {
          if (!sc.keyIs(HITS)) {
            sc.value(false);
            continue;
          }
          if (sc.peek() !== OPEN_BRACKET) return undefined;
          for (let h = true; sc.nextItem(h); h = false) {
            if (sc.peek() !== OPEN_BRACE) return undefined;
            let id = -1;
            let idEnd = -1;
            let source = -1;
            let sourceEnd = -1;
            lastSort = -1;
            const hit = sc.openObject();
            for (let k = true; sc.nextKey(hit, k, false, true); k = false) {
              const v = sc.pos;
              if (sc.keyIs(ID)) {
                const c = sc.peek();
                if (c !== QUOTE && c !== NULL_START) return undefined;
                sc.value(false);
                if (c === QUOTE) [id, idEnd] = [v, sc.pos];
              } else if (sc.keyIs(SOURCE)) {
                // the record's own bytes are checked where they are read: by the byte path, which
                // reads all of them (it ends where this ends or gives up), or by JSON.parse
                const c = sc.peek();
                if (c === OPEN_BRACE || c === OPEN_BRACKET) sc.skipContainer(known);
                else sc.value(false);
                [source, sourceEnd] = [v, sc.pos];
              } else {
                sc.value(false);
                if (sc.keyIs(SORT)) [lastSort, lastSortEnd] = [v, sc.pos];
              }
            }
            ids.push(id, idEnd);
            sources.push(source, sourceEnd);
          }
        }
      } else sc.value(false);
    }
    if (sc.pos !== body.length) return undefined;
  } catch (err) {
    if (err === UNSURE) return undefined;
    throw err;
  }
  if (pitId !== undefined && typeof pitId !== 'string') return undefined;
  const count = ids.length / 2;
  const sort = lastSort >= 0 ? JSON.parse(sc.text(lastSort, lastSortEnd)) : undefined;
  const cursor: PageCursor = {
    hits: count,
    ...(sort ? { lastSort: sort } : {}),
    ...(pitId ? { pitId: pitId as string } : {}),
  };
  const page: RawPage = {
    cursor,
    count,
    idStart: new Int32Array(count),
    idEnd: new Int32Array(count),
    sourceStart: new Int32Array(count),
    sourceEnd: new Int32Array(count),
  };
  for (let i = 0; i < count; i++) {
    page.idStart[i] = ids[2 * i] as number;
    page.idEnd[i] = ids[2 * i + 1] as number;
    page.sourceStart[i] = sources[2 * i] as number;
    page.sourceEnd[i] = sources[2 * i + 1] as number;
  }
  return page;
}
