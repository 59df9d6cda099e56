import { writeFileSync } from 'node:fs';
import { retrievalRecords } from '../samples/generators/retrieval-support';

// Writes the sample retrieval workload (samples/retrieval-support.jsonl):
//   npx tsx scripts/generate-retrieval-sample.ts [output] [seed]

const [output = 'samples/retrieval-support.jsonl', seed = '17'] = process.argv.slice(2);
const records = retrievalRecords(Number(seed));
writeFileSync(output, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
console.log(`${records.length} records written to ${output}`);
