import Ajv2020 from 'ajv/dist/2020';
import type { FlywheelApp } from '../../api/app';
import { openApiDocument } from '../../api/app';

// Calls the API in-process and checks every answer against the OpenAPI document the app
// serves: the status must be declared for that operation and the body must match its schema.

type Doc = ReturnType<typeof openApiDocument>;

// Bodies are checked against the OpenAPI schema before a test reads them, hence `any` here.
// biome-ignore lint/suspicious/noExplicitAny: see above
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly templates: { template: string; re: RegExp }[];
  checked = 0;

  constructor(readonly doc: Doc) {
    this.ajv.addSchema({ ...doc, $id: 'openapi' });
    this.templates = Object.keys(doc.paths ?? {}).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  templateFor(path: string): string | undefined {
    const bare = path.split('?')[0] as string;
    return this.templates.find((t) => t.re.test(bare))?.template;
  }

  /** Throws unless `status` and `body` are what the document declares for this call. */
  check(method: string, path: string, status: number, body: unknown): void {
    const template = this.templateFor(path);
    if (!template) throw new Error(`${method} ${path}: no such path in the OpenAPI document`);
    const item = this.doc.paths?.[template] as Record<string, { responses?: Record<string, unknown> }>;
    const op = item[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template}: no such operation in the OpenAPI document`);
    if (!op.responses?.[String(status)]) {
      throw new Error(`${method} ${path}: status ${status} is not declared (body ${JSON.stringify(body)})`);
    }
    if (status === 304) {
      if (body !== '') throw new Error(`${method} ${path} 304: a body was sent (${JSON.stringify(body)})`);
      this.checked++;
      return;
    }
    if (typeof body === 'string' && op.responses?.[String(status)]) {
      // a non-JSON answer (the HTML report): its media type must be the documented one
      const content = (op.responses[String(status)] as { content?: Record<string, unknown> }).content ?? {};
      if (!Object.keys(content).some((type) => type !== 'application/json')) {
        throw new Error(`${method} ${path} ${status}: a non-JSON body where the document declares JSON`);
      }
      this.checked++;
      return;
    }
    const pointer = [
      'paths',
      template,
      method.toLowerCase(),
      'responses',
      String(status),
      'content',
      'application/json',
      'schema',
    ]
      .map(escapePointer)
      .map(encodeURIComponent)
      .join('/');
    const validate = this.ajv.getSchema(`openapi#/${pointer}`);
    if (!validate) throw new Error(`${method} ${template} ${status}: no JSON schema in the document`);
    if (!validate(body)) {
      throw new Error(
        `${method} ${path} ${status}: body does not match the OpenAPI schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
      );
    }
    this.checked++;
  }
}

export interface CallOptions {
  body?: unknown;
  /** A raw body, sent as is (malformed JSON, wrong content types). */
  raw?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

export class ApiTestClient {
  readonly checker: OpenApiChecker;

  constructor(
    readonly app: FlywheelApp,
    readonly token: string,
  ) {
    this.checker = new OpenApiChecker(openApiDocument(app));
  }

  // biome-ignore lint/suspicious/noExplicitAny: see ApiResponse
  async call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.app.request(path, { method, headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('application/json') ? JSON.parse(text) : text;
    this.checker.check(method, path, res.status, parsed);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}
