import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { between, seededRandom, sleep } from '../../support/rng';
import {
  freePort,
  PrivateElasticsearch,
  PrivateFerretDb,
  PrivateTemporal,
  type RestartableServer,
} from '../private-servers';
import type { RigServers } from '../rig';
import { awaitRun, type JudgedRun, judge, type ScenarioContext, type ScenarioOutcome, withRig } from '../scenario';

// A server going away mid-run and coming back: the Temporal dev server (restarted on the same
// database file), MongoDB (FerretDB, restarted on the same data directory) or Elasticsearch.
// Always a private server on a free port: the shared stack other suites use is never touched.

export type OutageTarget = 'temporal' | 'mongodb' | 'elasticsearch';

const LABEL: Record<OutageTarget, string> = {
  temporal: 'Temporal restarted mid-run',
  mongodb: 'MongoDB unavailable',
  elasticsearch: 'Elasticsearch unavailable',
};

async function privateServer(
  target: OutageTarget,
  dir: string,
): Promise<{ server: RestartableServer; servers: (s: RigServers) => RigServers }> {
  const port = await freePort();
  if (target === 'temporal') {
    const server = new PrivateTemporal('temporal', port, dir);
    return { server, servers: (s) => ({ ...s, temporalAddress: server.address }) };
  }
  if (target === 'mongodb') {
    const server = new PrivateFerretDb('ferretdb', port, dir);
    return { server, servers: (s) => ({ ...s, mongoUrl: server.url }) };
  }
  const server = new PrivateElasticsearch('elasticsearch', port, dir);
  return { server, servers: (s) => ({ ...s, elasticsearchUrl: server.url }) };
}

export async function serverOutage(ctx: ScenarioContext, target: OutageTarget, runs: number): Promise<ScenarioOutcome> {
  const rand = seededRandom(ctx.seed * 1000 + 3 + runs);
  const dir = mkdtempSync(path.join(tmpdir(), `flywheel-chaos-${target}-`));
  const { server, servers } = await privateServer(target, dir);
  try {
    await server.start();
    return await withRig({ servers: servers(ctx.servers), timeScale: ctx.timeScale }, async (rig) => {
      const judged: JudgedRun[] = [];
      const notes: string[] = [];
      for (let r = 0; r < runs; r++) {
        const jobId = rig.newJobId();
        // Elasticsearch is read only while the datasets are built, at the start of a run: it
        // goes away just before the run starts. The others go away at a random point inside it.
        const at = target === 'elasticsearch' ? 0 : Math.round(between(rand, 0.1, 0.8) * ctx.runMs);
        const downMs = Math.round(between(rand, 1000, 4000));
        // every other Temporal restart is a crash (SIGKILL) rather than a clean stop
        const signal = target !== 'elasticsearch' && r % 2 === 1 ? 'SIGKILL' : 'SIGTERM';
        const outage = async () => {
          await sleep(at);
          const t0 = Date.now();
          await server.stop(signal);
          await sleep(downMs);
          await server.start();
          notes.push(`run ${r + 1}: ${signal} at ${at} ms, back after ${Date.now() - t0} ms`);
          ctx.log(`${target}: ${notes[notes.length - 1]}`);
        };
        if (target === 'elasticsearch') {
          const restarting = outage();
          await sleep(500);
          await rig.startRun(jobId);
          await restarting;
        } else {
          await rig.startRun(jobId);
          await outage();
        }
        await awaitRun(rig, jobId, 300_000);
        judged.push(await judge(rig, ctx, jobId, { kind: 'completed' }));
      }
      return { scenario: LABEL[target], runs: judged, notes };
    });
  } finally {
    await server.stop('SIGKILL').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
