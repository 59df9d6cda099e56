import { CliError } from './io';

// A small client for the Flywheel API. Errors become one readable line: the status and the
// API's `detail` (a 422's field paths included).

export interface ApiTarget {
  url: string;
  token?: string;
}

interface Detail {
  detail?: string | { loc?: (string | number)[]; msg?: string }[];
}

function describeDetail(body: Detail | undefined): string {
  const d = body?.detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) return d.map((i) => `${(i.loc ?? []).join('.')}: ${i.msg}`).join('; ');
  return 'no details';
}

export class FlywheelApiClient {
  constructor(private readonly target: ApiTarget) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const text = await this.send(method, path, body, headers);
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return undefined as T;
    }
  }

  /** A GET whose body is not JSON (the HTML report). */
  getText(path: string): Promise<string> {
    return this.send('GET', path, undefined, { accept: 'text/html' });
  }

  private async send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<string> {
    const url = `${this.target.url.replace(/\/+$/, '')}${path}`;
    const all: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.target.token) all.authorization = `Bearer ${this.target.token}`;
    if (body !== undefined) all['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
      throw new CliError(
        `cannot reach the Flywheel API at ${this.target.url} (${cause}); set FLYWHEEL_API_URL or --api-url`,
        1,
        undefined,
        true,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const hint = res.status === 401 ? ' (set FLYWHEEL_API_TOKEN or --token)' : '';
      throw new CliError(
        `${method} ${path} failed: ${res.status} ${describeDetail(parsed as Detail)}${hint}`,
        1,
        res.status,
      );
    }
    return text;
  }

  get<T>(path: string) {
    return this.request<T>('GET', path);
  }
}
