// What tests assert on through `GET /admin/counters`: creations per name (a retried caller
// must not create twice), requests per route template and faults injected per kind.

export class Counters {
  customizationJobs: Record<string, number> = {};
  evaluationJobs: Record<string, number> = {};
  deployments: Record<string, number> = {};
  requests: Record<string, number> = {};
  faultsInjected: Record<string, number> = {};

  request(key: string): void {
    bump(this.requests, key);
  }

  fault(kind: string): void {
    bump(this.faultsInjected, kind);
  }

  created(kind: 'customization_jobs' | 'evaluation_jobs' | 'deployments', name: string): void {
    const table =
      kind === 'customization_jobs'
        ? this.customizationJobs
        : kind === 'evaluation_jobs'
          ? this.evaluationJobs
          : this.deployments;
    bump(table, name);
  }

  snapshot(liveDeployments: string[]) {
    return {
      created: {
        customization_jobs: { ...this.customizationJobs },
        evaluation_jobs: { ...this.evaluationJobs },
        deployments: { ...this.deployments },
      },
      live_deployments: liveDeployments,
      requests: { ...this.requests },
      faults_injected: { ...this.faultsInjected },
    };
  }
}

function bump(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}
