import { readFileSync } from 'node:fs';

// The load generator, in a process of its own so it does not share an event loop with the API
// server: reads its settings from argv[2] (JSON), runs autocannon, prints the result as JSON.

// autocannon ships no type declarations: the part of its API used here.
interface CannonRequest {
  method?: string;
  path?: string;
}
interface Histogram {
  average: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface Result {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (
  options: Record<string, unknown> & { requests: { setupRequest: (req: CannonRequest) => CannonRequest }[] },
  done: (err: Error | null, result: Result) => void,
) => { stop(): void };
const autocannon = require('autocannon') as Autocannon;

interface LoadSpec {
  url: string;
  paths: string[];
  token: string;
  connections: number;
  seconds: number;
  /** When set, exactly this many requests (e.g. one pass over every path) instead of `seconds`. */
  requests?: number;
}

// `@FILE` reads the settings from a file: 10,000 job paths do not fit in an argument list.
const arg = process.argv[2] ?? '{}';
const spec = JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as LoadSpec;
let next = 0;
const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    ...(spec.requests ? { amount: spec.requests } : { duration: spec.seconds }),
    headers: { authorization: `Bearer ${spec.token}` },
    requests: [
      {
        // rotate over the given paths (e.g. every job id) so no single document stays hot
        setupRequest: (req) => {
          const path = spec.paths[next++ % spec.paths.length] as string;
          return { ...req, method: 'GET', path };
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    process.stdout.write(
      JSON.stringify({
        requestsPerSecond: result.requests.average,
        requestsTotal: result.requests.total,
        seconds: (result as Result & { duration: number }).duration,
        latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        throughputBytesPerSecond: result.throughput.average,
      }),
    );
  },
);
process.once('SIGINT', () => instance.stop());
