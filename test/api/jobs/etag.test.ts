import { etagOf, etagOfText, matchesIfNoneMatch } from '../../../api/jobs/etag';

// Entity tags of job details and If-None-Match revalidation (weak comparison, RFC 9110).

test('the tag is a strong, quoted tag that depends on the body and nothing else', () => {
  const body = { id: 'job-1', status: 'completed', scores: [0.9, 0.7] };
  const tag = etagOf(body);
  expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  expect(etagOf(structuredClone(body))).toBe(tag);
  expect(etagOfText(JSON.stringify(body))).toBe(tag);
  expect(etagOf({ ...body, status: 'failed' })).not.toBe(tag);
});

describe('If-None-Match', () => {
  const tag = etagOf({ id: 'job-2' });

  test('matches the same tag, strong or weak, alone or in a list', () => {
    expect(matchesIfNoneMatch(tag, tag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch(`"other", ${tag} ,"third"`, tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
  });

  test('does not match another tag, an unquoted copy, or no header', () => {
    expect(matchesIfNoneMatch(etagOf({ id: 'job-3' }), tag)).toBe(false);
    expect(matchesIfNoneMatch(tag.slice(1, -1), tag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
    expect(matchesIfNoneMatch('', tag)).toBe(false);
  });
});
