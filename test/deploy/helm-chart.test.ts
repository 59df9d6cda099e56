import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { listConfigNames, loadFlywheelConfig, parseFlywheelConfig } from '../../config/load';
import { CHART, checkDeploy, containerOf, envOf, find, type Manifest, REPO, renderChart } from './check-deploy';
import { flywheelConfigJsonSchema, readValuesSchema } from './config-json-schema';

// The chart rendered with helm and validated with kubeconform against the Kubernetes JSON
// schemas (strict), for each scenario in charts/flywheel/ci; then what each scenario must contain.

const INSTALL_TIMEOUT = 15 * 60_000; // a fresh machine builds helm from source (~3-5 min)

beforeAll(async () => {
  const result = await checkDeploy(['install']);
  if (result.code !== 0) throw new Error(`tool install failed:\n${result.stderr}`);
}, INSTALL_TIMEOUT);

describe('chart checks (helm lint, helm template, kubeconform --strict)', () => {
  test('every scenario lints, renders and validates, and every bad values file is rejected', async () => {
    const result = await checkDeploy(['chart']);
    expect(result.stderr).toContain('chart: all scenarios lint, render and validate; bad values rejected');
    expect(result.code).toBe(0);
    const scenarios = readdirSync(path.join(CHART, 'ci')).map((f) => f.replace(/-values\.yaml$/, ''));
    expect(scenarios.sort()).toEqual(['default', 'emulator', 'keda', 'temporal-tls']);
    for (const name of scenarios) {
      // one summary per Kubernetes version checked, every resource valid
      const summaries = result.stderr.match(
        new RegExp(`scenario ${name}: kubeconform[^\\n]*\\n[^\\n]*Summary:[^\\n]*`, 'g'),
      );
      expect(summaries).toHaveLength(2);
      for (const s of summaries ?? []) expect(s).toMatch(/Valid: [1-9]\d*, Invalid: 0, Errors: 0, Skipped: 0/);
    }
  });

  test('kubeconform rejects a manifest with a field Kubernetes does not know (strict mode, real schemas)', async () => {
    const manifests = await renderChart('-');
    const deployment = find(manifests, 'Deployment', '-worker');
    const broken = { ...deployment, spec: { ...deployment.spec, replicaCount: 3 } };
    const result = await checkDeploy(['validate'], JSON.stringify(broken));
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/replicaCount/);

    const ok = await checkDeploy(['validate'], JSON.stringify(deployment));
    expect(ok.code).toBe(0);
  });

  test('custom resources are validated against their CRDs too (KEDA, prometheus-operator)', async () => {
    const manifests = await renderChart('charts/flywheel/ci/keda-values.yaml');
    for (const kind of ['ScaledObject', 'ServiceMonitor']) {
      const resource = find(manifests, kind, '-worker');
      expect((await checkDeploy(['validate'], JSON.stringify(resource))).code).toBe(0);
      const broken = { ...resource, spec: { ...resource.spec, minReplicaCont: 1 } };
      const result = await checkDeploy(['validate'], JSON.stringify(broken));
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/minReplicaCont/);
    }
  });
});

describe('defaults', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await renderChart('-');
  });

  test('render the api, the worker and their supporting objects, and nothing optional', () => {
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/flywheel-config',
      'Deployment/flywheel-api',
      'Deployment/flywheel-worker',
      'NetworkPolicy/flywheel-api',
      'NetworkPolicy/flywheel-worker',
      'Pod/flywheel-worker-test',
      'PodDisruptionBudget/flywheel-api',
      'PodDisruptionBudget/flywheel-worker',
      'Service/flywheel-api',
      'Service/flywheel-worker-metrics',
      'ServiceAccount/flywheel',
    ]);
    expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
  });

  test('pods run as non-root with a read-only root filesystem and no service account token', () => {
    for (const name of ['-api', '-worker']) {
      const deployment = find(manifests, 'Deployment', name);
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe('flywheel');
      expect(containerOf(deployment).securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  test('the api is probed on /health and /ready', () => {
    const api = containerOf(find(manifests, 'Deployment', '-api'));
    expect(api.args).toEqual(['api']);
    expect(api.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(api.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(api.startupProbe.httpGet.path).toBe('/health');
    const service = find(manifests, 'Service', '-api');
    expect(service.spec.selector).toEqual(find(manifests, 'Deployment', '-api').spec.selector.matchLabels);
  });

  test('the worker gets longer to terminate than it gives activities to finish', () => {
    const worker = find(manifests, 'Deployment', '-worker');
    const grace = Number(envOf(worker).get('FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS')?.value);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(grace);
    expect(worker.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(containerOf(worker).args).toEqual(['worker']);
  });

  test('the worker is one version of a Worker Deployment, probed and scraped on its metrics port', () => {
    const worker = find(manifests, 'Deployment', '-worker');
    const env = envOf(worker);
    expect(env.get('FLYWHEEL_DEPLOYMENT_NAME')?.value).toBe('flywheel');
    expect(env.get('FLYWHEEL_BUILD_ID')?.value).toBe('0.1.0'); // the chart's appVersion
    expect(env.get('FLYWHEEL_WORKER_PROMOTE')?.value).toBe('1');
    expect(env.get('FLYWHEEL_WORKER_METRICS_HOST')?.value).toBe('0.0.0.0');
    expect(env.get('FLYWHEEL_WORKER_METRICS_PORT')?.value).toBe('9464');
    const container = containerOf(worker);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    }
    expect(worker.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
    const spread = worker.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((c: { topologyKey: string }) => c.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    for (const c of spread) expect(c.labelSelector.matchLabels).toEqual(worker.spec.selector.matchLabels);
    // no CPU autoscaler: the worker scales on its task queue backlog, when asked to
    expect(manifests.some((m) => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'ScaledObject')).toBe(false);
  });

  test('`helm test` checks the worker through its metrics Service', () => {
    const pod = find(manifests, 'Pod', '-worker-test');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const service = find(manifests, 'Service', '-worker-metrics');
    const url = pod.spec.containers[0].env.find((e: { name: string }) => e.name === 'WORKER_URL')?.value;
    expect(url).toBe(`http://${service.metadata.name}:9464`);
    expect(pod.spec.containers[0].args.slice(0, 2)).toEqual(['node', '-e']);
    expect(pod.spec.containers[0].args[2]).toContain('/healthz');
    expect(pod.spec.restartPolicy).toBe('Never');
    const worker = find(manifests, 'Deployment', '-worker');
    expect(worker.spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });

  test('the api and the worker get the same environment variables as the native stack', () => {
    for (const name of ['-api', '-worker']) {
      const env = envOf(find(manifests, 'Deployment', name));
      for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'FLYWHEEL_TASK_QUEUE', 'ELASTICSEARCH_URL']) {
        expect(env.get(key)?.value).toBeTruthy();
      }
      expect(env.get('MONGODB_URL')?.value).toMatch(/^mongodb:\/\//);
      expect(env.get('MONGODB_DB')?.value).toBe('flywheel');
      expect(env.get('FLYWHEEL_CONFIG')?.value).toBe('/etc/flywheel/config/flywheel.yaml');
      // no NeMo overrides by default: the config's URLs apply
      expect(env.has('NEMO_BASE_URL')).toBe(false);
    }
  });

  test('the api reads its token file from a mounted Secret (re-read on rotation) unless told otherwise', () => {
    const deployment = find(manifests, 'Deployment', '-api');
    const env = envOf(deployment);
    expect(env.get('FLYWHEEL_API_TOKENS_FILE')?.value).toBe('/etc/flywheel/api-tokens/tokens.yaml');
    expect(env.has('FLYWHEEL_API_TOKENS')).toBe(false);
    expect(env.has('FLYWHEEL_API_OPEN')).toBe(false);
    expect(env.get('FLYWHEEL_API_HOST')?.value).toBe('0.0.0.0');
    const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'api-tokens');
    expect(volume.secret).toMatchObject({
      secretName: 'flywheel-api-tokens',
      items: [{ key: 'tokens.yaml', path: 'tokens.yaml' }],
    });
    // a directory mount: a subPath mount would never see the Secret's updates
    const mount = containerOf(deployment).volumeMounts.find((m: { name: string }) => m.name === 'api-tokens');
    expect(mount).toEqual({ name: 'api-tokens', mountPath: '/etc/flywheel/api-tokens', readOnly: true });
    expect(envOf(find(manifests, 'Deployment', '-worker')).has('FLYWHEEL_API_TOKENS_FILE')).toBe(false);
  });

  test('network policies: the api takes traffic on its port only, the worker on its metrics port only; egress only where each needs', () => {
    const api = find(manifests, 'NetworkPolicy', '-api');
    const worker = find(manifests, 'NetworkPolicy', '-worker');
    for (const [policy, name] of [
      [api, '-api'],
      [worker, '-worker'],
    ] as const) {
      expect(policy.spec.podSelector.matchLabels).toEqual(
        find(manifests, 'Deployment', name).spec.selector.matchLabels,
      );
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
    expect(api.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(worker.spec.ingress).toEqual([{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    const destinations = (policy: Manifest) =>
      policy.spec.egress.map(
        (rule: { to?: Record<string, { matchLabels?: Record<string, string> }>[]; ports?: { port: number }[] }) => {
          const peer = rule.to?.[0];
          const where =
            peer?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? (peer?.ipBlock ? 'internet' : '?');
          return `${where}:${(rule.ports ?? []).map((p) => p.port).join('/') || '*'}`;
        },
      );
    expect(destinations(api)).toEqual(['kube-system:53/53', 'temporal:7233', 'elasticsearch:9200', 'mongodb:27017']);
    expect(destinations(worker)).toEqual([
      'kube-system:53/53',
      'temporal:7233',
      'elasticsearch:9200',
      'mongodb:27017',
      'nmp:*',
      'internet:443',
    ]);
    // the judge rule reaches public addresses only: not the cluster's ranges nor cloud metadata
    const judge = worker.spec.egress.at(-1).to[0].ipBlock;
    expect(judge.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '169.254.0.0/16', '192.168.0.0/16']));
  });

  test('the api is scraped through pod annotations on its port; MLflow tracking is off', () => {
    const api = find(manifests, 'Deployment', '-api');
    expect(api.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
    expect(manifests.some((m) => m.kind === 'ServiceMonitor')).toBe(false);
    expect(envOf(find(manifests, 'Deployment', '-worker')).has('FLYWHEEL_MLFLOW_URI')).toBe(false);
  });

  test('the rendered config is one the application loads', () => {
    const configMap = find(manifests, 'ConfigMap', '-config');
    const config = parseFlywheelConfig(parseYaml(configMap.data?.['flywheel.yaml'] ?? ''));
    expect(config.nims.map((n) => n.model_name)).toEqual(['meta/llama-3.2-1b-instruct']);
    // a config change rolls the pods
    const annotation = find(manifests, 'Deployment', '-worker').spec.template.metadata.annotations['checksum/config'];
    expect(annotation).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('external Temporal with mutual TLS, stores and keys from Secrets', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await renderChart('charts/flywheel/ci/temporal-tls-values.yaml');
  });

  test('both processes read the client certificate, key and CA from the mounted Secret', () => {
    for (const name of ['-api', '-worker']) {
      const deployment = find(manifests, 'Deployment', name);
      const env = envOf(deployment);
      expect(env.get('TEMPORAL_ADDRESS')?.value).toBe('flywheel-ns.a1b2c.tmprl.cloud:7233');
      expect(env.get('TEMPORAL_TLS_CERT')?.value).toBe('/etc/flywheel/temporal-tls/tls.crt');
      expect(env.get('TEMPORAL_TLS_KEY')?.value).toBe('/etc/flywheel/temporal-tls/tls.key');
      expect(env.get('TEMPORAL_TLS_CA')?.value).toBe('/etc/flywheel/temporal-tls/ca.crt');
      expect(env.get('TEMPORAL_TLS_SERVER_NAME')?.value).toBe('flywheel-ns.a1b2c.tmprl.cloud');
      const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'temporal-tls');
      expect(volume.secret.secretName).toBe('flywheel-temporal-mtls');
      expect(volume.secret.items.map((i: { path: string }) => i.path)).toEqual(['tls.crt', 'tls.key', 'ca.crt']);
      expect(containerOf(deployment).volumeMounts).toContainEqual(
        expect.objectContaining({ name: 'temporal-tls', mountPath: '/etc/flywheel/temporal-tls' }),
      );
    }
  });

  test('store URLs come from Secrets, and each key reaches only the process that needs it', () => {
    const api = envOf(find(manifests, 'Deployment', '-api'));
    const worker = envOf(find(manifests, 'Deployment', '-worker'));
    for (const env of [api, worker]) {
      expect(env.get('ELASTICSEARCH_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'flywheel-stores',
        key: 'elasticsearch-url',
      });
      expect(env.get('MONGODB_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'flywheel-stores', key: 'mongodb-url' });
      expect(env.get('ELASTICSEARCH_URL')?.value).toBeUndefined();
    }
    expect(api.get('FLYWHEEL_API_TOKENS_FILE')?.value).toBe('/etc/flywheel/api-tokens/tokens.yaml');
    expect(api.get('FLYWHEEL_API_TRUSTED_PROXY_HOPS')?.value).toBe('1');
    expect(worker.has('FLYWHEEL_API_TOKENS_FILE')).toBe(false);
    expect(worker.get('NEMO_API_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'flywheel-nemo', key: 'api-key' });
    expect(api.has('NEMO_API_KEY')).toBe(false);
    expect(worker.get('LLM_JUDGE_API_KEY')?.valueFrom?.secretKeyRef).toEqual({
      name: 'flywheel-nvidia',
      key: 'judge-api-key',
    });
    expect(worker.get('NVIDIA_API_KEY')?.valueFrom?.secretKeyRef?.name).toBe('flywheel-nvidia');
    expect(api.has('NVIDIA_API_KEY')).toBe(false);
    // read by nothing, so injected nowhere
    for (const key of ['NGC_API_KEY', 'HF_TOKEN']) expect(worker.has(key) || api.has(key)).toBe(false);
    expect(worker.has('EMB_API_KEY')).toBe(false); // its Secret was not named
    expect(worker.get('NEMO_BASE_URL')?.value).toBe('http://nemo.nmp.svc.cluster.local:8000');
  });

  test('the ingress routes only the API (and the docs, as asked) to the api service over TLS', () => {
    const ingress = find(manifests, 'Ingress', '-api');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls[0].secretName).toBe('flywheel-ingress-tls');
    const paths = ingress.spec.rules[0].http.paths;
    expect(paths.map((p: { path: string; pathType: string }) => `${p.pathType} ${p.path}`)).toEqual([
      'Prefix /api',
      'Prefix /docs',
      'Exact /openapi.json',
    ]);
    for (const p of paths) {
      expect(p.backend.service).toEqual({
        name: find(manifests, 'Service', '-api').metadata.name,
        port: { name: 'http' },
      });
    }
    // the API is reached through the ingress controller only; Temporal Cloud is outside the cluster
    const policy = find(manifests, 'NetworkPolicy', '-api');
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
    expect(policy.spec.egress[1].to[0].ipBlock.cidr).toBe('0.0.0.0/0');
  });
});

describe('mid-upgrade, autoscaled on the task queue backlog (KEDA)', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await renderChart('charts/flywheel/ci/keda-values.yaml');
  });

  test('the current build and a draining build run side by side, only the current one promoted', () => {
    const current = find(manifests, 'Deployment', '-worker');
    const draining = find(manifests, 'Deployment', '-worker-0.1.0');
    expect(containerOf(current).image).toBe('flywheel:0.2.0');
    expect(containerOf(draining).image).toBe('flywheel:0.1.0');
    const env = (d: Manifest) => Object.fromEntries([...envOf(d)].map(([k, v]) => [k, v.value]));
    expect(env(current)).toMatchObject({
      FLYWHEEL_DEPLOYMENT_NAME: 'flywheel-prod',
      FLYWHEEL_BUILD_ID: '0.2.0',
      FLYWHEEL_WORKER_PROMOTE: '1',
    });
    expect(env(draining)).toMatchObject({
      FLYWHEEL_DEPLOYMENT_NAME: 'flywheel-prod',
      FLYWHEEL_BUILD_ID: '0.1.0',
      FLYWHEEL_WORKER_PROMOTE: '0',
    });
    expect(draining.spec.replicas).toBe(1);
    expect(current.spec.replicas).toBeUndefined(); // KEDA owns it
    expect(draining.metadata.annotations?.['flywheel.io/draining']).toBe('true');
    // their selectors do not overlap; the metrics Service selects both
    const labelsOf = (d: Manifest) => d.spec.template.metadata.labels as Record<string, string>;
    expect(labelsOf(draining)).not.toMatchObject(current.spec.selector.matchLabels);
    expect(labelsOf(current)).not.toMatchObject(draining.spec.selector.matchLabels);
    const service = find(manifests, 'Service', '-worker-metrics');
    for (const d of [current, draining]) expect(labelsOf(d)).toMatchObject(service.spec.selector);
    // each version has its network policy
    for (const d of [current, draining]) {
      const policy = find(manifests, 'NetworkPolicy', d.metadata.name.replace('flywheel', ''));
      expect(policy.spec.podSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
      expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    }
  });

  test('the ScaledObject scales the current build on its Temporal backlog, with the API key', () => {
    const scaled = find(manifests, 'ScaledObject', '-worker');
    const current = find(manifests, 'Deployment', '-worker');
    expect(scaled.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: current.metadata.name,
    });
    expect(scaled.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 10, pollingInterval: 10 });
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('temporal');
    expect(trigger.metadata).toEqual({
      endpoint: 'flywheel-ns.a1b2c.tmprl.cloud:7233',
      namespace: 'flywheel-ns.a1b2c',
      taskQueue: 'flywheel',
      queueTypes: 'workflow,activity',
      targetQueueSize: '4',
      activationTargetQueueSize: '0',
      workerDeploymentName: 'flywheel-prod',
      workerDeploymentBuildId: '0.2.0',
    });
    const auth = find(manifests, 'TriggerAuthentication', '-worker');
    expect(trigger.authenticationRef).toEqual({ name: auth.metadata.name });
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'apiKey', name: 'flywheel-temporal-api-key', key: 'api-key' },
    ]);
    expect(manifests.some((m) => m.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(current.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
  });

  test('a ServiceMonitor scrapes the metrics Service instead of pod annotations', () => {
    const monitor = find(manifests, 'ServiceMonitor', '-worker');
    const service = find(manifests, 'Service', '-worker-metrics');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    const annotations = find(manifests, 'Deployment', '-worker').spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBeUndefined();
  });

  test('a ServiceMonitor scrapes the api Service with the metrics bearer token', () => {
    const monitor = find(manifests, 'ServiceMonitor', '-api');
    const service = find(manifests, 'Service', '-api');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    // the selector picks the api Service only, not the worker's metrics Service
    expect(find(manifests, 'Service', '-worker-metrics').metadata.labels).not.toMatchObject(
      monitor.spec.selector.matchLabels,
    );
    expect(monitor.spec.endpoints).toEqual([
      {
        port: 'http',
        path: '/metrics',
        interval: '15s',
        authorization: { type: 'Bearer', credentials: { name: 'flywheel-metrics-token', key: 'token' } },
      },
    ]);
    const api = find(manifests, 'Deployment', '-api');
    expect(api.spec.template.metadata.annotations['prometheus.io/scrape']).toBeUndefined();
    expect(envOf(api).get('FLYWHEEL_METRICS_TOKEN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'flywheel-metrics-token', key: 'token' },
    });
  });

  test('with mlflow.uri every worker build tracks into MLflow and may reach it', () => {
    for (const name of ['-worker', '-worker-0.1.0']) {
      expect(envOf(find(manifests, 'Deployment', name)).get('FLYWHEEL_MLFLOW_URI')?.value).toBe(
        'http://mlflow.mlflow.svc.cluster.local:5000',
      );
      const egress = find(manifests, 'NetworkPolicy', name).spec.egress;
      expect(egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mlflow' } } }],
        ports: [{ port: 5000, protocol: 'TCP' }],
      });
    }
    expect(envOf(find(manifests, 'Deployment', '-api')).has('FLYWHEEL_MLFLOW_URI')).toBe(false);
  });
});

describe('emulator (development)', () => {
  let manifests: Manifest[];
  let dir: string;
  beforeAll(async () => {
    manifests = await renderChart('charts/flywheel/ci/emulator-values.yaml');
    dir = mkdtempSync(path.join(os.tmpdir(), 'flywheel-chart-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the emulator runs from the same image and the api and worker point their NeMo URLs at it', () => {
    const emulator = find(manifests, 'Deployment', '-emulator');
    const service = find(manifests, 'Service', '-emulator');
    expect(containerOf(emulator).args).toEqual(['emulator', '--port', '8700', '--time-scale', '0.1']);
    const api = envOf(find(manifests, 'Deployment', '-api'));
    expect(api.get('FLYWHEEL_API_OPEN')?.value).toBe('1');
    expect(api.has('FLYWHEEL_API_TOKENS_FILE')).toBe(false);
    // the worker may reach the emulator's pods (the api never calls NeMo)
    const worker = find(manifests, 'NetworkPolicy', '-worker');
    expect(worker.spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: emulator.spec.selector.matchLabels } }],
      ports: [{ port: 8700, protocol: 'TCP' }],
    });
    expect(containerOf(emulator).image).toBe(containerOf(find(manifests, 'Deployment', '-api')).image);
    const url = `http://${service.metadata.name}:8700`;
    for (const name of ['-api', '-worker']) {
      const env = envOf(find(manifests, 'Deployment', name));
      for (const key of ['NEMO_BASE_URL', 'NIM_BASE_URL', 'DATASTORE_BASE_URL']) expect(env.get(key)?.value).toBe(url);
    }
  });

  test('named configs are mounted where the config loader looks for them', () => {
    // Lay the ConfigMap out as the volume's items do, then load it with the app's own loader.
    const configMap = find(manifests, 'ConfigMap', '-config');
    const volume = find(manifests, 'Deployment', '-worker').spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'config',
    );
    for (const item of volume.configMap.items as { key: string; path: string }[]) {
      const file = path.join(dir, item.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, configMap.data?.[item.key] ?? '');
    }
    const env = envOf(find(manifests, 'Deployment', '-worker'));
    const mountPath = '/etc/flywheel/config';
    const processEnv = {
      FLYWHEEL_CONFIG: env.get('FLYWHEEL_CONFIG')?.value?.replace(mountPath, dir),
      FLYWHEEL_CONFIG_DIR: env.get('FLYWHEEL_CONFIG_DIR')?.value?.replace(mountPath, dir),
      NEMO_BASE_URL: env.get('NEMO_BASE_URL')?.value,
    };
    expect(listConfigNames(processEnv)).toEqual(['default', 'semantic-icl']);
    const named = loadFlywheelConfig('semantic-icl', processEnv);
    expect(named.icl_config.example_selection).toBe('semantic_similarity');
    expect(named.nmp_config.nemo_base_url).toBe(processEnv.NEMO_BASE_URL);
    // the judge is reached at the emulator's Service too
    const judge = loadFlywheelConfig('default', processEnv).llm_judge_config;
    expect(judge.deployment_type === 'remote' && judge.url).toBe(`${processEnv.NEMO_BASE_URL}/v1/chat/completions`);
  });
});

describe('values the chart refuses', () => {
  const badValues = readdirSync(path.join(__dirname, 'bad-values'));
  const expectedField: Record<string, RegExp> = {
    'replicas-not-a-number.yaml': /worker.*replicas|replicas.*integer/s,
    'inline-secret-value.yaml': /nvidiaApiKey.*value|additional propert.*value/s,
    'tls-without-secret.yaml': /existingSecret/,
    'config-missing-nims.yaml': /nims/,
  };

  test('each bad values file has an expectation', () => {
    expect(badValues.sort()).toEqual(Object.keys(expectedField).sort());
  });

  test.each(Object.entries(expectedField))('%s fails at install time, naming the field', async (file, field) => {
    const result = await checkDeploy(['render', path.join(__dirname, 'bad-values', file)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/schema/i);
    expect(result.stderr).toMatch(field);
  });

  test.each([
    [
      'a shutdown grace not shorter than the termination grace period',
      'worker:\n  shutdownGraceSeconds: 120\n  terminationGracePeriodSeconds: 120\n',
      'worker.shutdownGraceSeconds (120) must be below',
    ],
    [
      'an Ingress without TLS',
      'api:\n  ingress:\n    enabled: true\n    hosts: [{host: flywheel.example.com}]\n',
      'api.ingress.tls must name the TLS Secret',
    ],
    [
      'a draining build that is the current one',
      'worker:\n  versioning:\n    enabled: true\n    deploymentName: ""\n    buildId: "7"\n    promote: true\n    draining:\n      - buildId: "7"\n',
      'worker.versioning.draining lists build 7, which is the current build',
    ],
    [
      'an API without tokens on a cluster not marked for development',
      'secrets:\n  apiTokens:\n    existingSecret: ""\n',
      'secrets.apiTokens.existingSecret must name the Secret',
    ],
  ])('%s is refused when rendering', async (_, values, message) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flywheel-chart-values-'));
    try {
      const file = path.join(dir, 'values.yaml');
      writeFileSync(file, values);
      const result = await checkDeploy(['render', file]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('secret wiring', () => {
  const SOURCES = [
    'activities',
    'api',
    'config',
    'nemo-client',
    'stores',
    'temporal',
    'worker',
    'workflows',
    'pipeline',
  ];
  const SECRET_NAME = /\b[A-Z][A-Z0-9_]*(?:API_KEY|_TOKENS?|SECRET)\b/g;

  test('every secret the server code reads comes from a Secret in the chart, and no other is injected', async () => {
    const read = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts')) for (const m of readFileSync(file, 'utf8').matchAll(SECRET_NAME)) read.add(m[0]);
      }
    };
    for (const dir of SOURCES) walk(path.join(REPO, dir));
    // the API's tokens arrive as a mounted file (FLYWHEEL_API_TOKENS_FILE), the list form is for local runs
    read.delete('FLYWHEEL_API_TOKENS');
    expect([...read].sort()).toEqual([
      'EMB_API_KEY',
      'FLYWHEEL_METRICS_TOKEN',
      'LLM_JUDGE_API_KEY',
      'NEMO_API_KEY',
      'NVIDIA_API_KEY',
      'TEMPORAL_API_KEY',
    ]);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'flywheel-chart-secrets-'));
    try {
      const file = path.join(dir, 'values.yaml');
      writeFileSync(
        file,
        [
          'temporal: { apiKey: { existingSecret: s-temporal } }',
          'secrets:',
          '  nemoApiKey: { existingSecret: s-nemo }',
          '  nvidiaApiKey: { existingSecret: s-nvidia }',
          '  llmJudgeApiKey: { existingSecret: s-judge }',
          '  embeddingApiKey: { existingSecret: s-emb }',
          '  metricsToken: { existingSecret: s-metrics }',
          '',
        ].join('\n'),
      );
      const manifests = await renderChart(file);
      const fromSecrets = new Set<string>();
      for (const name of ['-api', '-worker']) {
        for (const [key, v] of envOf(find(manifests, 'Deployment', name))) {
          if (v.valueFrom?.secretKeyRef) fromSecrets.add(key);
          // nothing secret-looking as a plain value
          if (SECRET_NAME.test(key)) expect({ key, plain: v.value !== undefined }).toEqual({ key, plain: false });
          SECRET_NAME.lastIndex = 0;
        }
      }
      expect([...fromSecrets].sort()).toEqual([...read].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chart documentation and schema stay in step with the code', () => {
  test('the README values table lists every key of values.yaml', () => {
    const values = parseYaml(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
    const readme = readFileSync(path.join(CHART, 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([^`]+)`\s+\|/gm)].map((m) => m[1]));
    const missing = leafKeys(values).filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
  });

  test('values.schema.json holds the JSON schema of the current config schema', () => {
    // On failure: npx tsx test/deploy/config-json-schema.ts --write
    expect(readValuesSchema().$defs.flywheelConfig).toEqual(flywheelConfigJsonSchema());
  });
});

/** Dotted paths of values.yaml down to documented granularity (configs and small objects whole). */
function leafKeys(node: unknown, prefix = ''): string[] {
  const whole = new Set(['config.default', 'config.named', 'podSecurityContext', 'containerSecurityContext']);
  if (whole.has(prefix) || prefix.endsWith('.resources') || typeof node !== 'object' || node === null) {
    return [prefix];
  }
  if (Array.isArray(node) || Object.keys(node).length === 0) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}
