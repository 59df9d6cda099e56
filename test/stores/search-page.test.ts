import { cursorOf, parseSearchPage } from '../../stores/search-page';

// A raw log-export page read back (what a record worker parses) and the cursor the export goes
// on from.

describe('a raw search page', () => {
  test('hits, the point in time and the last sort values are read', () => {
    const text = JSON.stringify({
      pit_id: 'pit-2',
      hits: {
        hits: [
          { _id: 'a', _source: { n: 1 }, sort: ['2026-01-02', 7] },
          { _id: 'b', _source: { n: 2 }, sort: ['2026-01-01', 3] },
        ],
      },
    });
    const page = parseSearchPage(text);
    expect(page.hits.map((h) => h._id)).toEqual(['a', 'b']);
    expect(cursorOf(page)).toEqual({ hits: 2, lastSort: ['2026-01-01', 3], pitId: 'pit-2' });
  });

  test('an empty page (filter_path drops `hits`) has no hits and no cursor to go on from', () => {
    const page = parseSearchPage('{"pit_id":"p"}');
    expect(page).toEqual({ pitId: 'p', hits: [] });
    expect(cursorOf(page)).toEqual({ hits: 0, pitId: 'p' });
  });

  test('a page that is not JSON throws instead of reading as empty', () => {
    expect(() => parseSearchPage('{"hits": [')).toThrow(SyntaxError);
  });
});
