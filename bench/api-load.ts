import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { DEFAULT_DETAIL_CACHE_BYTES } from '../api/jobs/detail-cache';
import { readEnvironment } from '../config/environment';
import { EvalType } from '../contracts';
import { ResultsStore } from '../stores/results/results-store';
import { freePort, PrivateFerretDb, PrivatePostgresFerretDb } from '../test/chaos/private-servers';
import { round, table, writeResults } from './lib/report';

// Benchmark: the API under load. The API server (api/main.ts, production settings: bearer
// auth, request log) runs in its own process on a MongoDB-wire database: by default a private
// FerretDB on PostgreSQL started by scripts/stack.sh (BENCH_API_MONGO=sqlite: FerretDB's SQLite
// backend; =shared: MONGODB_URL). 200 finished jobs (3 candidates, 3 evaluations and a
// customization each) are written through the store's own write path (closed as the run's
// finalizer closes a run) and timed; the store is then filled to BENCH_API_JOBS (10,000) with
// copies in bulk. autocannon runs in another
// process. Targets: GET /api/jobs/{id} >= 2,000 req/s with p99 < 25 ms, the first page of
// GET /api/jobs (oldest first, the default, and newest first) p99 < 50 ms, seeding the 200 jobs <= 10 s.
//
//   npm run bench -- api-load      BENCH_API_SECONDS=20 BENCH_API_CONNECTIONS=50 npm run bench -- api-load

const REPO = path.resolve(__dirname, '..');
const JOBS = Number(process.env.BENCH_API_JOBS ?? 10_000);
const TIMED_SEED = Math.min(JOBS, 200);
const TARGET_SEED_S = 10;
const TARGET_LIST_P99_MS = 50;
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 20);
/** How many jobs the timed seeding writes at once. */
const SEED_CONCURRENCY = Number(process.env.BENCH_API_SEED_CONCURRENCY ?? 20);
/** `seed`: stop after the timed seeding (a quick figure for the write path). */
const ONLY = process.env.BENCH_API_ONLY;
/** The API's detail cache size (FLYWHEEL_API_DETAIL_CACHE_BYTES; the API's default otherwise). */
const CACHE_BYTES = Number(process.env.FLYWHEEL_API_DETAIL_CACHE_BYTES ?? DEFAULT_DETAIL_CACHE_BYTES);
const TOKEN = randomBytes(16).toString('hex');
const TARGET_RPS = 2000;
const TARGET_P99_MS = 25;
const MODELS = ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct', 'meta/llama-3.1-8b-instruct'];

async function seed(results: ResultsStore, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomBytes(12).toString('hex'));
  const one = async (id: string, i: number) => {
    await results.createRun({
      _id: id,
      workload_id: `workload-${i % 5}`,
      client_id: 'bench',
      workflow_id: `flywheel-${id}`,
      started_at: new Date(Date.now() - (JOBS - i) * 60_000),
    });
    // The candidates at once, and a candidate's evaluations at once, as a run's child workflows
    // and activities write them; each write is the activity's own, one round trip.
    await Promise.all(
      MODELS.map(async (model) => {
        await results.createNim(id, model);
        const evaluations = EvalType.options.map(async (evalType) => {
          const evalId = await results.startEvaluation(id, model, evalType);
          await results.updateEvaluation(evalId, {
            status: 'completed',
            progress: 100,
            scores: { function_name: 0.8, function_name_and_args_accuracy: 0.6, tool_calling_correctness: 0.7 },
            finished_at: new Date(),
            job_id: `eval-${randomUUID()}`,
          });
        });
        const customization = (async () => {
          const custId = await results.startCustomization(id, `workload-${i % 5}`, model);
          await results.updateCustomization(custId, { status: 'completed', progress: 100, finished_at: new Date() });
        })();
        await Promise.all([...evaluations, customization]);
        await results.finishNim(id, model, 'completed', null, { deployment_status: 'deleted' });
      }),
    );
    await results.updateRun(id, { num_records: 200, candidates_total: 3, candidate_models: MODELS });
    // As the run's finalizer ends it: open steps closed, the run finished, its detail snapshot taken.
    await results.closeRun(id, 'completed', 'run completed');
  };
  // SEED_CONCURRENCY jobs in flight at once (a pool: a slow job does not hold the others back).
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        await one(ids[i] as string, i);
      }
    }),
  );
  return ids;
}

/** Copies of a seeded job under new ids, started earlier, written in bulk up to `total` jobs. */
async function fill(results: ResultsStore, templateId: string, have: number, total: number): Promise<string[]> {
  const run = await results.getRun(templateId);
  if (!run) throw new Error('the template job is missing');
  const { judge, ...steps } = await results.getRunDetail(run);
  const ids: string[] = [];
  const retag = <T extends { _id: string }>(doc: T, id: string) =>
    JSON.parse(JSON.stringify(doc).replaceAll(templateId, id), (k, v) =>
      typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && k.endsWith('_at') ? new Date(v) : v,
    ) as T;
  for (let n = have; n < total; n += 500) {
    const batch = Array.from({ length: Math.min(500, total - n) }, (_, i) => {
      const id = randomBytes(12).toString('hex');
      ids.push(id);
      const copy = retag(run, id);
      copy.started_at = new Date(run.started_at.getTime() - (n + i + 1) * 60_000);
      return {
        run: copy,
        judge: judge ? retag(judge, id) : null,
        nims: steps.nims.map((d) => retag(d, id)),
        evaluations: steps.evaluations.map((d) => retag(d, id)),
        customizations: steps.customizations.map((d) => retag(d, id)),
      };
    });
    await results.insertRunRecords(batch);
  }
  return ids;
}

async function startApi(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  // BENCH_API_CPU_PROF=<dir>: the API writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_API_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'api/main.ts'], {
    cwd: REPO,
    env: { ...env, FLYWHEEL_API_PORT: String(port), FLYWHEEL_API_TOKENS: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited: ${err}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`the API did not answer /health within 60 s: ${err}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface LoadResult {
  requestsPerSecond: number;
  requestsTotal: number;
  seconds: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function load(url: string, paths: string[], seconds: number, requests?: number): Promise<LoadResult> {
  const specFile = path.join(tmpdir(), `bench-api-load-${randomUUID()}.json`);
  writeFileSync(specFile, JSON.stringify({ url, paths, token: TOKEN, connections: CONNECTIONS, seconds, requests }));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'lib/load-client.ts'), `@${specFile}`],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
  ).finally(() => rmSync(specFile, { force: true }));
  return JSON.parse(stdout) as LoadResult;
}

/**
 * The reference: the reads a job detail needs (run, judge, candidates, evaluations,
 * customizations), straight from the benchmark process to MongoDB, same concurrency.
 */
async function directReads(results: ResultsStore, ids: string[], seconds: number) {
  const latencies: number[] = [];
  const until = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const id = ids[n++ % ids.length] as string;
        const t0 = performance.now();
        const run = await results.getRun(id);
        if (run) await results.getRunDetail(run);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0, 1);
  return { perSecond: latencies.length / seconds, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

async function main(): Promise<void> {
  const env = readEnvironment();
  // A private FerretDB by default: the shared one serves every other suite, and its load
  // would be measured instead of the API's. BENCH_API_MONGO=shared uses MONGODB_URL.
  const backend = process.env.BENCH_API_MONGO ?? 'postgresql';
  const shared = backend === 'shared';
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-api-mongo-'));
  const ferret = shared
    ? undefined
    : backend === 'sqlite'
      ? new PrivateFerretDb('ferretdb', await freePort(), dir)
      : new PrivatePostgresFerretDb(await freePort(), await freePort(), dir);
  await ferret?.start();
  const mongoUrl = ferret?.url ?? env.MONGODB_URL;
  const dbName = `bench_api_${randomUUID().slice(0, 8)}`;
  // At most 24 commands at once: FerretDB 1.24 on PostgreSQL runs an update while holding the
  // connection of the query that found the document and takes a second one for the write, from
  // a pool of 50, so 50 updates at once deadlock it (seen: 50 idle PostgreSQL connections, no
  // answer) and the seeding sends many more than that when unbounded.
  const client = new MongoClient(mongoUrl, {
    serverSelectionTimeoutMS: 10_000,
    monitorCommands: true,
    maxPoolSize: 24,
  });
  await client.connect();
  const mongo = { client, db: client.db(dbName) };
  // Every command the benchmark's client sends, by name: the seeding's round trips, counted.
  const commands = new Map<string, number>();
  client.on('commandStarted', (e) => commands.set(e.commandName, (commands.get(e.commandName) ?? 0) + 1));
  // and the time each kind took on the wire (sent to answered, queueing in FerretDB included)
  const commandMs = new Map<string, number>();
  const took = (e: { commandName: string; duration: number }) =>
    commandMs.set(e.commandName, (commandMs.get(e.commandName) ?? 0) + e.duration);
  client.on('commandSucceeded', took);
  client.on('commandFailed', took);
  let api: ChildProcess | undefined;
  try {
    const results = new ResultsStore(mongo.db);
    await results.ensureIndexes();
    commands.clear();
    commandMs.clear();
    const seeded = Date.now();
    const timed = await seed(results, TIMED_SEED);
    const seedSeconds = round((Date.now() - seeded) / 1000, 1);
    const seedCommands = [...commands.values()].reduce((a, b) => a + b, 0);
    console.log(
      `seeded ${timed.length} finished jobs through the store in ${seedSeconds} s (target <= ${TARGET_SEED_S} s): ` +
        `${seedCommands} commands, ${round(seedCommands / timed.length, 1)} per job ` +
        `(${[...commands].map(([k, v]) => `${k} ${v}, ${round((commandMs.get(k) ?? 0) / v, 1)} ms each`).join('; ')})`,
    );
    if (ONLY === 'seed') return;
    const filled = Date.now();
    const ids = [...timed, ...(await fill(results, timed[0] as string, timed.length, JOBS))];
    console.log(`filled to ${ids.length} jobs in bulk in ${round((Date.now() - filled) / 1000, 1)} s`);
    const port = await freePort();
    api = await startApi({ ...process.env, MONGODB_URL: mongoUrl, MONGODB_DB: dbName }, port);
    const url = `http://127.0.0.1:${port}`;

    // First one pass over every stored job, each request its job's first (a cache miss: run and
    // snapshot reads); then every job in turn again, and the 200 newest over and over, which the
    // API serves from its detail cache (no store read per request).
    const endpoints: { name: string; paths: string[]; p99Target: number; onePass?: boolean }[] = [
      {
        name: `GET /api/jobs/{id} (first read of each of ${ids.length})`,
        paths: ids.map((id) => `/api/jobs/${id}`),
        p99Target: TARGET_P99_MS,
        onePass: true,
      },
      {
        name: `GET /api/jobs/{id} (all ${ids.length} in turn)`,
        paths: ids.map((id) => `/api/jobs/${id}`),
        p99Target: TARGET_P99_MS,
      },
      {
        name: `GET /api/jobs/{id} (the ${timed.length} newest)`,
        paths: timed.map((id) => `/api/jobs/${id}`),
        p99Target: TARGET_P99_MS,
      },
    ];
    // BENCH_API_ONLY=detail leaves the listing out (its rows can keep FerretDB busy for minutes).
    if (ONLY !== 'detail') {
      // The API's page cache serves both from memory while its change feed is current.
      endpoints.push(
        {
          name: 'GET /api/jobs?limit=20 (first page)',
          paths: ['/api/jobs?limit=20'],
          p99Target: TARGET_LIST_P99_MS,
        },
        {
          name: 'GET /api/jobs?limit=20&sort=-started_at (first page, newest first)',
          paths: ['/api/jobs?limit=20&sort=-started_at'],
          p99Target: TARGET_LIST_P99_MS,
        },
      );
      if (JOBS <= 1000)
        endpoints.push({ name: `GET /api/jobs (all ${JOBS})`, paths: ['/api/jobs'], p99Target: TARGET_LIST_P99_MS });
    }
    const check = await fetch(`${url}${endpoints[0]?.paths[0]}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (!check.ok) throw new Error(`GET /api/jobs/{id} answered ${check.status}: ${await check.text()}`);
    const detailBytes = (await check.text()).length;
    console.log(
      `a job detail is ${detailBytes} bytes of JSON; ${ids.length} of them ${round((detailBytes * ids.length) / 2 ** 20, 1)} MiB ` +
        `(the API's detail cache: ${round(CACHE_BYTES / 2 ** 20, 1)} MiB)`,
    );

    const direct = await directReads(results, ids, SECONDS);
    const rows = [];
    rows.push({
      endpoint: 'reference: the detail reads straight to MongoDB',
      connections: CONNECTIONS,
      seconds: SECONDS,
      requests_per_s: Math.round(direct.perSecond),
      p50_ms: direct.p50,
      p90_ms: direct.p90,
      p99_ms: direct.p99,
      max_ms: direct.max,
      non_2xx: 0,
      errors: 0,
      rps_vs_target: round(direct.perSecond / TARGET_RPS),
      meets_rps: direct.perSecond >= TARGET_RPS,
      meets_p99: direct.p99 < TARGET_P99_MS,
    });
    for (const endpoint of endpoints) {
      if (!endpoint.onePass) await load(url, endpoint.paths, 2); // warm-up
      const r = endpoint.onePass
        ? await load(url, endpoint.paths, SECONDS, endpoint.paths.length)
        : await load(url, endpoint.paths, SECONDS);
      const perSecond = endpoint.onePass ? r.requestsTotal / r.seconds : r.requestsPerSecond;
      rows.push({
        endpoint: endpoint.name,
        connections: CONNECTIONS,
        seconds: endpoint.onePass ? round(r.seconds, 1) : SECONDS,
        requests_per_s: Math.round(perSecond),
        p50_ms: r.latency.p50,
        p90_ms: r.latency.p90,
        p99_ms: r.latency.p99,
        max_ms: r.latency.max,
        non_2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        rps_vs_target: round(perSecond / TARGET_RPS),
        meets_rps: perSecond >= TARGET_RPS,
        meets_p99: r.requestsTotal > 0 && r.latency.p99 < endpoint.p99Target,
      });
    }
    console.log(
      table(
        ['endpoint', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'non-2xx', `vs ${TARGET_RPS} req/s`, 'p99 target met'],
        rows.map((r) => [
          r.endpoint,
          r.requests_per_s,
          r.p50_ms,
          r.p90_ms,
          r.p99_ms,
          r.non_2xx + r.errors,
          `${r.rps_vs_target}x`,
          r.meets_p99 ? 'yes' : 'NO',
        ]),
      ),
    );
    const file = writeResults('api-load', {
      jobsStored: ids.length,
      seed: {
        jobs: timed.length,
        seconds: seedSeconds,
        commandsPerJob: round(seedCommands / timed.length, 1),
        targetSeconds: TARGET_SEED_S,
        meets: seedSeconds <= TARGET_SEED_S,
      },
      store: shared
        ? 'shared MongoDB-wire server (MONGODB_URL)'
        : `private FerretDB 1.24 (${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL 15'}), fresh`,
      connections: CONNECTIONS,
      targetRequestsPerSecond: TARGET_RPS,
      targetP99Ms: { detail: TARGET_P99_MS, firstPage: TARGET_LIST_P99_MS },
      rows,
    });
    console.log(`written ${file}`);
  } finally {
    const exited = api && api.exitCode === null ? new Promise((r) => api?.once('exit', r)) : undefined;
    api?.kill('SIGTERM');
    if (exited) await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.client.close();
    await ferret?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
