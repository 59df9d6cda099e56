import type { Context, MiddlewareHandler } from 'hono';

// The address a request came from, for the request log and failed-auth throttling. Behind an
// ingress or load balancer every request arrives from the proxy, so `trustedProxyHops` says how
// many proxies append to X-Forwarded-For; the client is the entry the outermost one appended.
// With 0 (the default) the header is ignored, since any client can send it.

/** The socket's peer address, when the app runs under @hono/node-server. */
function peerAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

export function clientAddressOf(c: Context, trustedProxyHops: number): string {
  const peer = peerAddress(c) ?? 'unknown';
  if (trustedProxyHops <= 0) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return forwarded[forwarded.length - trustedProxyHops] ?? peer;
}

/** Puts `clientAddress` on the request for the middleware after it. */
export function clientAddress(trustedProxyHops: number): MiddlewareHandler {
  return async (c, next) => {
    c.set('clientAddress' as never, clientAddressOf(c, trustedProxyHops) as never);
    await next();
  };
}

export const addressOf = (c: Context): string => (c.get('clientAddress' as never) as string | undefined) ?? 'unknown';
