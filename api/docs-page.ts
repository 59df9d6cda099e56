import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

// The interactive API docs (Swagger UI over /openapi.json). Its assets come from the
// swagger-ui-dist package and are served by the API itself, so the page works in clusters
// without internet access. A bearer token typed into its "Authorize" dialog lives only in the
// page's memory (never localStorage). Every /docs answer carries a Content-Security-Policy
// that allows only this origin's scripts (hence the start-up script is a file, not inline),
// forbids framing, and nosniff.

/** The policy /docs is served under; Swagger UI needs inline styles and data: images. */
export const DOCS_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Flywheel API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;
}

export function docsInitScript(specUrl: string): string {
  return `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', persistAuthorization: false });\n`;
}

/** The page and its two assets, mounted at `/docs`; each asset is read from disk once. */
export function docsRouter(specUrl: string): Hono {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: DOCS_CSP,
      xFrameOptions: 'DENY',
      xContentTypeOptions: 'nosniff',
      referrerPolicy: 'no-referrer',
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.get('/', (c) => c.html(docsPage()));
  app.get('/init.js', (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    return c.body(docsInitScript(specUrl));
  });
  for (const [file, contentType] of Object.entries(ASSETS)) {
    app.get(`/${file}`, (c) => {
      let body = cache.get(file);
      if (!body) {
        body = readFileSync(require.resolve(`swagger-ui-dist/${file}`));
        cache.set(file, body);
      }
      c.header('content-type', contentType);
      c.header('cache-control', 'public, max-age=86400');
      return c.body(new Uint8Array(body));
    });
  }
  return app;
}
