import type { Counters } from '../../nemo-emulator/runtime/counters';
import type { GpuMeter } from '../../nemo-emulator/runtime/gpu-meter';

// The one test client of the NeMo emulator over HTTP (an in-process one or one at
// NEMO_BASE_URL): raw calls for the emulator's own tests, and its admin routes (counters,
// GPUs, faults, the clock) for every other test. The response types are the emulator's own.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on by tests, not typed
export type Json = any;

export interface Reply<T = Json> {
  status: number;
  body: T;
}

/** `GET /admin/counters`: creations per name, requests per route, faults per kind, live deployments. */
export type EmulatorCounters = ReturnType<Counters['snapshot']>;
/** `GET /admin/gpus`: GPUs held and busy per deployment and training job. */
export type EmulatorGpus = ReturnType<GpuMeter['snapshot']>;

export class EmulatorClient {
  constructor(readonly url: string) {}

  /** One request; the body parsed as JSON when it is JSON (file downloads stay text). */
  async call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  /** One request that must succeed (2xx); its body. */
  async ok<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.call<T>(method, path, body);
    if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  counters(): Promise<EmulatorCounters> {
    return this.ok('GET', '/admin/counters');
  }

  gpus(): Promise<EmulatorGpus> {
    return this.ok('GET', '/admin/gpus');
  }

  async setFaults(plan: unknown): Promise<void> {
    await this.ok('PUT', '/admin/faults', plan);
  }

  async clearFaults(): Promise<void> {
    await this.ok('DELETE', '/admin/faults');
  }
}
