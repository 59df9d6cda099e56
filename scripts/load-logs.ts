import { createReadStream, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { readEnvironment } from '../config/environment';
import { createElasticsearchClient, waitForElasticsearch } from '../stores/elasticsearch';
import { loadLogs } from '../stores/log-loader';

// Loads a JSONL log file (or stdin) into the log index:
//   npx tsx scripts/load-logs.ts samples/customer-support.jsonl [--index NAME]
// Bad lines are reported with their line number and reason; they do not stop the load.

const MAX_PRINTED = 10_000;

async function main() {
  const program = new Command()
    .name('load-logs')
    .description('Load production logs (JSONL, log or conversation format) into Elasticsearch.')
    .argument('<file>', 'JSONL file, or - for stdin')
    .option('-i, --index <name>', 'index name (default: ES_COLLECTION_NAME)')
    .option('-w, --workload-id <id>', 'set workload_id on every record (required for conversation-format lines)')
    .option('-c, --client-id <id>', 'set client_id on every record')
    .parse();
  const [file] = program.args as [string];
  const opts = program.opts<{ index?: string; workloadId?: string; clientId?: string }>();
  const env = readEnvironment();
  const index = opts.index ?? env.ES_COLLECTION_NAME;

  const fromStdin = file === '-';
  let total = 0;
  if (!fromStdin) {
    try {
      total = statSync(file).size;
    } catch {
      throw new Error(`cannot read ${file}: no such file`);
    }
  }
  const es = createElasticsearchClient(env.ELASTICSEARCH_URL);
  const bar = new SingleBar({
    format: fromStdin
      ? '{lines} lines | loaded {loaded} | duplicates {duplicates} | rejected {rejected}'
      : '[{bar}] {percentage}% | {lines} lines | loaded {loaded} | duplicates {duplicates} | rejected {rejected}',
    hideCursor: true,
    stream: process.stderr,
  });
  const zero = { lines: 0, loaded: 0, duplicates: 0, rejected: 0 };
  try {
    await waitForElasticsearch(es, env.ELASTICSEARCH_URL, 10_000);
    bar.start(Math.max(total, 1), 0, zero);
    const rejected: string[] = [];
    const summary = await loadLogs({
      elasticsearch: es,
      index,
      source: fromStdin ? process.stdin : createReadStream(file),
      workloadId: opts.workloadId,
      clientId: opts.clientId,
      onProgress: (p) => bar.update(fromStdin ? 0 : p.bytes, p),
      onReject: (r) => {
        if (rejected.length < MAX_PRINTED) rejected.push(`line ${r.line}: ${r.reason}`);
      },
      maxRejectionsKept: 0,
    });
    bar.update(Math.max(total, 1), summary);
    bar.stop();
    for (const line of rejected) process.stderr.write(`${line}\n`);
    if (summary.rejected > rejected.length) {
      process.stderr.write(`... and ${summary.rejected - rejected.length} more rejected lines\n`);
    }
    process.stdout.write(
      `${index}: ${summary.lines} lines, ${summary.loaded} loaded, ${summary.duplicates} duplicates, ${summary.rejected} rejected\n`,
    );
    process.exitCode = summary.rejected > 0 ? 2 : 0;
  } finally {
    bar.stop();
    await es.close();
  }
}

main().catch((err) => {
  process.stderr.write(`load-logs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
