import type { Context } from 'hono';
import { ApiError, notFound } from '../errors';
import { type Action, type Principal, ROLE_ACTIONS } from './roles';

// The one authorization check every /api route makes. Order matters: the role is checked first
// (403, independent of any object, so it leaks nothing), then the object's client_id (404,
// exactly like a missing object, so a token cannot learn what exists outside its scope).

export const forbidden = (detail: string) => new ApiError(403, detail);

/** The caller the auth middleware put on the request. Throws if a route was mounted outside it. */
export function principalOf(c: Context): Principal {
  const principal = c.get('principal' as never) as Principal | undefined;
  if (!principal) throw new Error('no principal on the request: the route is not behind requireBearerToken');
  return principal;
}

export function mayAct(principal: Principal, action: Action): boolean {
  return ROLE_ACTIONS[principal.role].includes(action);
}

export function inScope(principal: Principal, clientId: string | null | undefined): boolean {
  if (principal.clientIds === '*') return true;
  return typeof clientId === 'string' && principal.clientIds.has(clientId);
}

/** 403 unless the caller's role allows `action`. */
export function requireAction(principal: Principal, action: Action): void {
  if (!mayAct(principal, action)) {
    throw forbidden(`This token (role ${principal.role}) may not ${action === 'read' ? 'read' : action} here`);
  }
}

/**
 * Authorizes an action on an existing object owned by `clientId`: 403 if the role lacks the
 * right, then `notFoundDetail` as a 404 if the object's client is outside the token's scope.
 */
export function authorize(
  principal: Principal,
  action: Action,
  clientId: string | null | undefined,
  notFoundDetail: string,
) {
  requireAction(principal, action);
  if (!inScope(principal, clientId)) throw notFound(notFoundDetail);
}

/**
 * Authorizes creating something for `clientId` (a job, a schedule): there is no object yet to
 * hide, so a client outside the scope is a 403 naming the field.
 */
export function authorizeCreate(principal: Principal, action: Action, clientId: string): void {
  requireAction(principal, action);
  if (!inScope(principal, clientId)) {
    throw forbidden(`This token may not act for client_id "${clientId}"`);
  }
}

/**
 * The client_ids a listing may return: undefined for every client, else the allowed ones
 * (narrowed by the caller's own filter; an out-of-scope filter gives an empty list).
 */
export function scopeFilter(principal: Principal, requested?: string): string[] | undefined {
  requireAction(principal, 'read');
  if (principal.clientIds === '*') return requested === undefined ? undefined : [requested];
  if (requested !== undefined) return principal.clientIds.has(requested) ? [requested] : [];
  return [...principal.clientIds];
}
