import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { customerSupportRecord, WORKLOAD_ID as SUPPORT } from '../samples/generators/customer-support';
import { WORKLOAD_ID as FAQ, faqRecord } from '../samples/generators/faq-qa';
import { financialNewsRecord, WORKLOAD_ID as NEWS } from '../samples/generators/financial-news';
import { Random, type SampleContext } from '../samples/generators/random';

// Realistic sample production logs (written for this project): a tool-calling support
// assistant, a financial-news classifier and a help-desk Q&A workload with some Japanese.
// Streams, so it writes a million records in constant memory.
//
//   npx tsx scripts/generate-samples.ts --workload tool_calling --count 1000000 --seed 7 --output big.jsonl

const GENERATORS = {
  tool_calling: { workloadId: SUPPORT, make: customerSupportRecord },
  classification: { workloadId: NEWS, make: financialNewsRecord },
  generic: { workloadId: FAQ, make: faqRecord },
} as const;
type Workload = keyof typeof GENERATORS;

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const rate = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
};

export interface GenerateOptions {
  workload: Workload;
  count: number;
  seed: number;
  clientId: string;
  /** Share of records with a realistic defect (unparseable tool arguments, no label, empty answer). */
  defects: number;
  /** Share of records that repeat an earlier user request (re-asked questions, retried calls). */
  repeats: number;
  /** Epoch seconds of the newest record; records go back one per `spacing` seconds on average. */
  end: number;
  spacing: number;
}

/** The records, one at a time (a generator, so any count fits in memory). */
export function* generateRecords(o: GenerateOptions): Generator<Record<string, unknown>> {
  const { make } = GENERATORS[o.workload];
  const random = new Random(o.seed);
  const recent: Record<string, unknown>[] = [];
  let time = o.end - o.count * o.spacing;
  for (let index = 0; index < o.count; index++) {
    time += random.int(1, o.spacing * 2 - 1);
    if (recent.length > 0 && random.chance(o.repeats)) {
      // the same request logged again later (a user asking twice): a duplicate for dedup
      const again = random.pick(recent);
      yield { ...again, timestamp: time };
      continue;
    }
    const ctx: SampleContext = { random, index, time, clientId: o.clientId };
    const record = make(ctx, random.chance(o.defects));
    if (recent.length < 50) recent.push(record);
    else recent[random.int(0, 49)] = record;
    yield record;
  }
}

async function main() {
  const program = new Command()
    .name('generate-samples')
    .description('Write realistic sample production logs as JSONL.')
    .addOption(
      new Option('-w, --workload <type>', 'which workload').choices(Object.keys(GENERATORS)).default('tool_calling'),
    )
    .option('-n, --count <n>', 'number of records', positiveInt, 500)
    .option('-s, --seed <n>', 'random seed (same seed, same file)', positiveInt, 1)
    .option('-c, --client-id <id>', 'client_id of every record', 'sample-client')
    .option('--defects <rate>', 'share of defective records', rate, 0.02)
    .option('--repeats <rate>', 'share of repeated requests', rate, 0.03)
    .option('--end <epochSeconds>', 'timestamp of the newest record', positiveInt, 1_767_225_600)
    .option('--spacing <seconds>', 'mean seconds between records', positiveInt, 60)
    .option('-o, --output <file>', 'output file, - for stdout', '-')
    .parse();
  const opts = program.opts();
  const options: GenerateOptions = {
    workload: opts.workload as Workload,
    count: opts.count,
    seed: opts.seed,
    clientId: opts.clientId,
    defects: opts.defects,
    repeats: opts.repeats,
    end: opts.end,
    spacing: Math.max(1, opts.spacing),
  };
  const out = opts.output === '-' ? process.stdout : createWriteStream(opts.output);
  let chunk = '';
  for (const record of generateRecords(options)) {
    chunk += `${JSON.stringify(record)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(chunk);
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
  process.stderr.write(
    `wrote ${options.count} ${options.workload} records (${GENERATORS[options.workload].workloadId})\n`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
