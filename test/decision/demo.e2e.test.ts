import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client as Elasticsearch } from '@elastic/elasticsearch';
import { MongoClient } from 'mongodb';
import { readEnvironment } from '../../config/environment';

// `npm run demo` (scripts/demo.ts, here with --fast on the running stack and a database, log
// index and task queue of its own) ends with the recommendation and the path of its report.

const ROOT = path.join(__dirname, '..', '..');
const id = randomUUID().slice(0, 8);
const own = {
  MONGODB_DB: `test_demo_${id}`,
  ES_COLLECTION_NAME: `test-demo-${id}`,
  FLYWHEEL_TASK_QUEUE: `test-demo-${id}`,
};

afterAll(async () => {
  const env = readEnvironment({ ...process.env, ...own });
  const mongo = await MongoClient.connect(env.MONGODB_URL);
  await mongo.db(own.MONGODB_DB).dropDatabase();
  await mongo.close();
  const es = new Elasticsearch({ node: env.ELASTICSEARCH_URL });
  await es.indices.delete({ index: own.ES_COLLECTION_NAME }, { ignore: [404] });
  await es.close();
});

test('the demo ends with the recommendation and the path of the report', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--fast'], {
    cwd: ROOT,
    env: { ...process.env, ...own },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, tail: out.slice(-3000) }).toMatchObject({ code: 0 });

  const lines = out.trimEnd().split('\n');
  const reportLine = lastIndex(lines, (l) => l.startsWith('Report: file://'));
  // the report's path, then only the hint how to fetch it again, close the output
  expect(reportLine).toBe(lines.length - 2);
  expect(lines.at(-1)).toMatch(/^ {2}\(with the API running: flywheel jobs report [0-9a-f]{24} -o report\.html/);
  const recommendation = lastIndex(lines, (l) => /^Recommendation: /.test(l));
  expect(recommendation).toBeGreaterThan(lines.findIndex((l) => l.startsWith('run completed')));
  expect(lines[recommendation]).toMatch(/^Recommendation: (meta\/\S+ \((base|icl|customized)\)|none, keep \S+)$/);
  // the gate table between them shows every candidate variant with its per-sample interval
  const table = lines.slice(recommendation, reportLine).filter((l) => / n=\d+ (wilson|bootstrap)/.test(l));
  expect(table.length).toBe(9); // three candidates × base, ICL, customized

  const file = (lines[reportLine] as string).slice('Report: file://'.length);
  const html = await readFile(file, 'utf8');
  expect(html).toContain('id="recommendation"');
  expect(html).toContain('<svg');
}, 600_000);

function lastIndex(xs: string[], match: (x: string) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (match(xs[i] as string)) return i;
  return -1;
}
