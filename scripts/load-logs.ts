import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { readEnvironment } from '../config/environment';
import { createElasticsearchClient, waitForElasticsearch } from '../stores/elasticsearch';
import { LoadAbortedError, loadLogs } from '../stores/log-loader';
import { type LogSource, resolveLogSources } from '../stores/log-source';

// Loads a JSONL log file (plain or gzip), a directory of them, or stdin ("-") into the log index:
//   npx tsx scripts/load-logs.ts samples/customer-support.jsonl [--index NAME]
// Bad lines are reported with their line number and reason; they do not stop the load.

const MAX_PRINTED = 10_000;

async function main() {
  const program = new Command()
    .name('load-logs')
    .description('Load production logs (JSONL, log or conversation format) into Elasticsearch.')
    .argument('<path>', 'JSONL file (plain or gzip), a directory of them, or - for stdin')
    .option('-i, --index <name>', 'index name (default: ES_COLLECTION_NAME)')
    .option('-w, --workload-id <id>', 'set workload_id on every record (required for conversation-format lines)')
    .option('-c, --client-id <id>', 'set client_id on every record')
    .parse();
  const [file] = program.args as [string];
  const opts = program.opts<{ index?: string; workloadId?: string; clientId?: string }>();
  const env = readEnvironment();
  const index = opts.index ?? env.ES_COLLECTION_NAME;

  const sources: LogSource[] = await resolveLogSources(file);
  const es = createElasticsearchClient(env.ELASTICSEARCH_URL);
  const bar = new SingleBar({
    format: '{lines} lines | loaded {loaded} | duplicates {duplicates} | rejected {rejected}',
    hideCursor: true,
    stream: process.stderr,
  });
  const zero = { lines: 0, loaded: 0, duplicates: 0, rejected: 0 };
  try {
    await waitForElasticsearch(es, env.ELASTICSEARCH_URL, 10_000);
    bar.start(1, 0, zero);
    const rejected: string[] = [];
    const summary = await loadLogs({
      elasticsearch: es,
      index,
      sources,
      workloadId: opts.workloadId,
      clientId: opts.clientId,
      onProgress: (p) => bar.update(0, p),
      onReject: (r) => {
        if (rejected.length < MAX_PRINTED) rejected.push(`${r.file}:${r.line}: ${r.reason}`);
      },
      maxRejectionsKept: 0,
    });
    bar.update(1, summary);
    bar.stop();
    for (const line of rejected) process.stderr.write(`${line}\n`);
    if (summary.rejected > rejected.length) {
      process.stderr.write(`... and ${summary.rejected - rejected.length} more rejected lines\n`);
    }
    for (const e of summary.inputErrors) process.stderr.write(`${e.file}: not read: ${e.reason}\n`);
    process.stdout.write(
      `${index}: ${summary.lines} lines, ${summary.loaded} loaded, ${summary.duplicates} duplicates, ${summary.rejected} rejected\n`,
    );
    process.exitCode = summary.rejected > 0 || summary.inputErrors.length > 0 ? 2 : 0;
  } finally {
    bar.stop();
    await es.close();
  }
}

main().catch((err) => {
  if (err instanceof LoadAbortedError) {
    const s = err.summary;
    process.stderr.write(
      `before the stop: ${s.lines} lines, ${s.loaded} loaded, ${s.duplicates} duplicates, ${s.rejected} rejected\n`,
    );
  }
  process.stderr.write(`load-logs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
