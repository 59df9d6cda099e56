import { checkElasticsearch, checkMongo, checkTemporal } from './servers';

// Every suite runs against real servers, so a missing one fails the whole run up front with
// a message naming it, instead of a timeout deep inside a test.
export default async function globalSetup(): Promise<void> {
  const results = await Promise.allSettled([checkTemporal(), checkElasticsearch(), checkMongo()]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason?.message ?? r.reason)] : []));
  if (failures.length > 0) throw new Error(`test servers are down:\n- ${failures.join('\n- ')}`);
}
