import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readEnvironment } from '../../config/environment';
import { parseFlywheelConfig } from '../../config/load';
import { checkDeploy, REPO } from './check-deploy';

// temporal-dev.yaml loaded the way `docker compose config` loads it (the docker client's
// compose plugin when there is one, else compose-go, the loader that plugin is built on).

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source: string; target: string }[];
  ports?: { host_ip: string; target: number }[];
  configs?: { source: string; target: string }[];
}

interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  configs: Record<string, { content: string }>;
}

let project: ComposeProject;

beforeAll(async () => {
  const result = await checkDeploy(['compose']);
  if (result.code !== 0) throw new Error(`compose config failed:\n${result.stderr}`);
  project = parseYaml(result.stdout);
}, 15 * 60_000); // on a fresh machine this waits for the helm build holding the install lock

test('the compose file names every service the native stack runs', () => {
  expect(Object.keys(project.services).sort()).toEqual([
    'api',
    'elasticsearch',
    'emulator',
    'mongodb',
    'temporal',
    'worker',
  ]);
});

test('the servers are the ones the native stack runs, with their data on named volumes', () => {
  const { temporal, elasticsearch, mongodb } = project.services;
  expect(temporal?.image).toMatch(/^temporalio\/temporal:/);
  expect(elasticsearch?.image).toMatch(/elasticsearch:8\.19\./);
  expect(elasticsearch?.environment).toMatchObject({
    'discovery.type': 'single-node',
    'xpack.security.enabled': 'false',
  });
  expect(mongodb?.image).toMatch(/^mongo:7/);
  for (const service of [temporal, elasticsearch, mongodb]) {
    const volume = service?.volumes?.[0];
    expect(volume?.type).toBe('volume');
    expect(Object.keys(project.volumes)).toContain(volume?.source);
  }
  for (const attribute of ['WorkloadId', 'ClientId', 'FlywheelStatus']) {
    expect(temporal?.command).toContain(`--search-attribute=${attribute}=Keyword`);
  }
  expect(temporal?.command).toContain('--ui-port=8233');
});

test('every service but the worker has a health check, and the api and worker wait for healthy servers', () => {
  for (const name of ['temporal', 'elasticsearch', 'mongodb', 'emulator', 'api']) {
    expect(project.services[name]?.healthcheck?.test?.length).toBeGreaterThan(1);
  }
  expect(project.services.api?.depends_on).toMatchObject({
    temporal: { condition: 'service_healthy' },
    elasticsearch: { condition: 'service_healthy' },
    mongodb: { condition: 'service_healthy' },
  });
  expect(project.services.worker?.depends_on?.emulator).toMatchObject({ condition: 'service_healthy' });
});

test('the api and the worker get the environment the application reads, pointed at the compose services', () => {
  for (const name of ['api', 'worker']) {
    const service = project.services[name];
    const environment = readEnvironment(service?.environment ?? {});
    expect(environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      ELASTICSEARCH_URL: 'http://elasticsearch:9200',
      MONGODB_URL: 'mongodb://mongodb:27017',
      FLYWHEEL_TASK_QUEUE: 'flywheel',
    });
    for (const key of ['NEMO_BASE_URL', 'NIM_BASE_URL', 'DATASTORE_BASE_URL']) {
      expect(service?.environment?.[key]).toBe('http://emulator:8700');
    }
    expect(service?.command).toEqual([name]);
  }
  expect(project.services.emulator?.command?.slice(0, 3)).toEqual(['emulator', '--port', '8700']);
  expect(project.services.api?.environment?.FLYWHEEL_API_OPEN).toBe('1'); // local use; tokens opt in
});

test('the flywheel config the api and worker mount is valid and reaches the emulator by service name', () => {
  for (const name of ['api', 'worker']) {
    const service = project.services[name];
    const mount = service?.configs?.find((c) => c.target === service.environment?.FLYWHEEL_CONFIG);
    expect(mount?.source).toBe('flywheel-config');
  }
  const content = project.configs['flywheel-config']?.content ?? '';
  const config = parseFlywheelConfig(parseYaml(content));
  expect(config.llm_judge_config).toMatchObject({ url: 'http://emulator:8700/v1/chat/completions' });
  expect(Object.values(config.nmp_config).filter((v) => v.startsWith('http'))).toEqual([
    'http://emulator:8700',
    'http://emulator:8700',
    'http://emulator:8700',
  ]);
  expect(content).not.toMatch(/127\.0\.0\.1|localhost/);
});

test('published ports listen on the loopback interface only', () => {
  const ports = Object.values(project.services).flatMap((s) => s.ports ?? []);
  expect(ports.length).toBeGreaterThanOrEqual(6);
  for (const port of ports) expect(port.host_ip).toBe('127.0.0.1');
});

test('a compose file with a mistake is refused by the same loader', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flywheel-compose-'));
  try {
    const broken = readFileSync(path.join(REPO, 'temporal-dev.yaml'), 'utf8').replace(
      'stop_grace_period: 2m',
      'stop_grace_period: 2m\n    restart_policy: always',
    );
    const file = path.join(dir, 'temporal-dev.yaml');
    writeFileSync(file, broken);
    const result = await checkDeploy(['compose', file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/restart_policy/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
