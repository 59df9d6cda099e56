import { createHash } from 'node:crypto';

// Entity tags for job details: a finished job no longer changes, so a client that has it can
// revalidate with If-None-Match and get a 304 without the body.

/** A strong entity tag of a JSON body. */
export const etagOf = (body: unknown): string => etagOfText(JSON.stringify(body));

/** The same tag, of a body already serialised. */
export const etagOfText = (json: string): string =>
  `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;

/** Whether an If-None-Match header value matches the tag (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
