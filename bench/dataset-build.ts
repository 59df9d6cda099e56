import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readEnvironment } from '../config/environment';
import { DataSplitConfigSchema } from '../config/schema';
import { ResolvedWorkloadType } from '../contracts';
import { buildDatasetFiles } from '../pipeline/dataset-build';
import { generateRecords } from '../scripts/generate-samples';
import { createElasticsearchClient } from '../stores/elasticsearch';
import { exportLogPages, exportRawLogPages } from '../stores/log-export';
import { loadLogs } from '../stores/log-loader';

// Benchmark: export + validate + de-duplicate + split + format throughput against the raw
// Elasticsearch read rate of the same records (PIT + search_after, no processing), and peak
// RSS, at 10k / 100k / 1M records. Each measurement runs in its own process so its peak RSS
// is its own. The indexes are kept between runs (named by size and generator version) and
// reused when complete.
//
//   npm run bench            BENCH_SIZES=10000,100000 npm run bench
//   BENCH_MODES=inline,threads-1,threads-2 (the builds measured beside the raw read),
//   BENCH_WARMUP=0 (no unmeasured raw read first), BENCH_WORKLOAD=classification, BENCH_PAGE_SIZE=1000, BENCH_NODE_FLAGS="--max-old-space-size=384 --max-semi-space-size=64"

const VERSION = 'v1';
const WORKLOAD = ResolvedWorkloadType.parse(process.env.BENCH_WORKLOAD ?? 'tool_calling');
const WORKLOAD_IDS = { tool_calling: 'customer_support', classification: 'news_classifier', generic: 'faq_assistant' };
const CLIENT = 'bench';
const indexFor = (size: number) => `bench-dataset-build-${WORKLOAD}-${VERSION}-${size}`;

interface Measurement {
  records: number;
  seconds: number;
  perSecond: number;
  peakRssMb: number;
  /** CPU seconds the measuring process used (user + system): how busy Node was. */
  cpuSeconds: number;
  /** Digest of the eval, train and val files a build wrote (the same for every mode). */
  output?: string;
}

/** `raw`: the read alone; `inline`: the build on one thread; `threads-N`: the build with N record workers. */
type Mode = 'raw' | 'inline' | `threads-${number}`;

async function child(mode: Mode, size: number): Promise<Measurement> {
  const env = readEnvironment();
  const es = createElasticsearchClient(env.ELASTICSEARCH_URL);
  const exportOptions = {
    elasticsearch: es,
    index: indexFor(size),
    workloadId: WORKLOAD_IDS[WORKLOAD],
    clientId: CLIENT,
    limit: size,
    ...(process.env.BENCH_PAGE_SIZE ? { pageSize: Number(process.env.BENCH_PAGE_SIZE) } : {}),
  };
  const pages = () => exportLogPages(exportOptions);
  const threads = mode.startsWith('threads-') ? Number(mode.slice('threads-'.length)) : 0;
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let records = 0;
  let elapsed: { seconds: number; cpu: NodeJS.CpuUsage } | undefined;
  let output: string | undefined;
  const stop = () => {
    elapsed = { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: process.cpuUsage(cpuStart) };
  };
  if (mode === 'raw') {
    for await (const page of pages()) records += page.length;
    stop();
  } else {
    const workDir = mkdtempSync(join(tmpdir(), 'bench-datasets-'));
    try {
      const built = await buildDatasetFiles({
        ...(threads > 0
          ? { rawPages: (handle) => exportRawLogPages(exportOptions, handle), threads }
          : { pages: pages() }),
        workloadId: WORKLOAD_IDS[WORKLOAD],
        clientId: CLIENT,
        workloadType: 'auto',
        split: DataSplitConfigSchema.parse({
          eval_size: 100,
          val_ratio: 0.1,
          min_total_records: 1,
          limit: size,
          random_seed: 1,
        }),
        seed: '1',
        workDir,
      });
      stop();
      records = built.assembled.counts.read;
      // after the clock stopped: every mode must give the same datasets
      output = await digestOf([built.paths.eval, built.paths.train, built.paths.val]);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  const { seconds, cpu } = elapsed as { seconds: number; cpu: NodeJS.CpuUsage };
  await es.close();
  // maxRSS is in kilobytes
  return {
    records,
    seconds,
    perSecond: records / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(output ? { output } : {}),
  };
}

/** One sha256 over the files' bytes, in order (the first 12 hex digits). */
async function digestOf(paths: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Node flags of the measuring processes. V8 grows its heap lazily up to a limit sized from the
 * machine's RAM (GBs), so RSS says little about what a build needs unless the heap is capped as
 * a worker would be in production (NODE_OPTIONS in its container).
 */
const CHILD_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-old-space-size=384').split(' ').filter(Boolean);

function measure(mode: Mode, size: number): Measurement {
  const args = [...CHILD_NODE_FLAGS, ...process.execArgv, __filename, '--child', mode, String(size)];
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measurement;
}

async function ensureLoaded(size: number): Promise<void> {
  const env = readEnvironment();
  const es = createElasticsearchClient(env.ELASTICSEARCH_URL);
  const index = indexFor(size);
  try {
    if ((await es.indices.exists({ index })) && (await es.count({ index })).count === size) return;
    await es.indices.delete({ index, ignore_unavailable: true });
    process.stderr.write(`loading ${size} ${WORKLOAD} records into ${index} ...\n`);
    const lines = (function* () {
      let chunk = '';
      // seconds between records so that no two share a timestamp
      for (const record of generateRecords({
        workload: WORKLOAD,
        count: size,
        seed: size,
        clientId: CLIENT,
        defects: 0.02,
        repeats: 0.03,
        end: 1_767_225_600,
        spacing: 3,
      })) {
        chunk += `${JSON.stringify(record)}\n`;
        if (chunk.length > 1 << 20) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    })();
    const started = Date.now();
    const summary = await loadLogs({ elasticsearch: es, index, source: Readable.from(lines), batchSize: 2000 });
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `  loaded ${summary.loaded} (${summary.duplicates} duplicates, ${summary.rejected} rejected) in ${seconds.toFixed(1)} s, ${Math.round(summary.loaded / seconds)} records/s\n`,
    );
    if (summary.loaded + summary.duplicates !== size) throw new Error(`loaded ${summary.loaded} of ${size}`);
  } finally {
    await es.close();
  }
}

async function main() {
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
  // the shipped build (DATASET_THREADS record workers) and, for comparison, the others
  const modes = (process.env.BENCH_MODES ?? 'inline,threads-1,threads-2').split(',') as Mode[];
  const rows: Record<string, unknown>[] = [];
  for (const size of sizes) {
    await ensureLoaded(size);
    // warms Elasticsearch's caches so both measured passes see the same state (BENCH_WARMUP=0: not)
    if (process.env.BENCH_WARMUP !== '0') measure('raw', size);
    const raw = measure('raw', size);
    rows.push({
      records: size,
      mode: 'raw read',
      records_per_s: Math.round(raw.perSecond),
      share_of_raw: 100,
      seconds: Math.round(raw.seconds * 10) / 10,
      node_cpu_s: Math.round(raw.cpuSeconds * 10) / 10,
      peak_rss_mb: Math.round(raw.peakRssMb),
      load_1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
    });
    for (const mode of modes) {
      const build = measure(mode, size);
      const ratio = build.perSecond / raw.perSecond;
      rows.push({
        records: size,
        mode,
        records_per_s: Math.round(build.perSecond),
        share_of_raw: Math.round(ratio * 1000) / 10,
        seconds: Math.round(build.seconds * 10) / 10,
        node_cpu_s: Math.round(build.cpuSeconds * 10) / 10,
        peak_rss_mb: Math.round(build.peakRssMb),
        output: build.output,
        load_1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
        meets_80_percent: ratio >= 0.8,
        meets_rss_512mb: build.peakRssMb < 512,
      });
      console.table(rows.slice(-1));
    }
    const outputs = new Set(rows.filter((r) => r.records === size && r.output).map((r) => r.output));
    if (outputs.size > 1) {
      process.stderr.write(`the modes wrote different datasets at ${size} records: ${[...outputs].join(', ')}\n`);
      process.exitCode = 1;
    }
  }
  console.log(`\ndataset build (${WORKLOAD}): export + validate + dedup + split + format vs raw Elasticsearch read`);
  console.table(rows);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dataset-build.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bench: 'dataset-build',
        workload: WORKLOAD,
        measuredAt: new Date().toISOString(),
        node: process.version,
        nodeFlags: CHILD_NODE_FLAGS,
        loadAverage: os.loadavg(),
        cpus: os.cpus().length,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`results written to ${file}`);
}

if (process.argv[2] === '--load') {
  // only seed the indexes (BENCH_SIZES), e.g. ahead of a long run
  (async () => {
    for (const size of (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number))
      await ensureLoaded(size);
  })().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
} else if (process.argv[2] === '--child') {
  child(process.argv[3] as Mode, Number(process.argv[4]))
    .then((m) => process.stdout.write(`${JSON.stringify(m)}\n`))
    .catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
} else {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
