import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

// The interactive API docs (Swagger UI over /openapi.json). Its assets come from the
// swagger-ui-dist package and are served by the API itself, so the page works in clusters
// without internet access. Bearer tokens go in its "Authorize" dialog and stay in the browser.

const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

export function docsPage(specUrl: string): string {
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
  <script>
    window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', persistAuthorization: true });
  </script>
</body>
</html>`;
}

/** The page and its two assets, mounted at `/docs`; each asset is read from disk once. */
export function docsRouter(specUrl: string): Hono {
  const app = new Hono();
  const cache = new Map<string, Buffer>();
  app.get('/', (c) => c.html(docsPage(specUrl)));
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
