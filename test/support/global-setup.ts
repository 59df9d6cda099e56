import { checkElasticsearch, checkMongo, checkTemporal } from './servers';
import { SHARED_BUNDLE_ENV, writeSharedBundle } from './shared-workflow-bundle';

// Every suite runs against real servers, so a missing one fails the whole run up front with
// a message naming it, instead of a timeout deep inside a test. The workflow bundle is built
// here once for every test file (see shared-workflow-bundle.ts).
export default async function globalSetup(): Promise<void> {
  const [bundle, ...checks] = await Promise.allSettled([
    writeSharedBundle(),
    checkTemporal(),
    checkElasticsearch(),
    checkMongo(),
  ]);
  const failures = checks.flatMap((r) => (r.status === 'rejected' ? [String(r.reason?.message ?? r.reason)] : []));
  if (failures.length > 0) throw new Error(`test servers are down:\n- ${failures.join('\n- ')}`);
  if (bundle.status === 'rejected') throw bundle.reason;
  process.env[SHARED_BUNDLE_ENV] = bundle.value;
}
