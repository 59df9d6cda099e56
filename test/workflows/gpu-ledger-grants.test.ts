import { grantable } from '../../workflows/gpu-budget';
import type { GpuLease } from '../../workflows/gpu-budget-contract';

// Which waiting leases the ledger grants at once: first come, first served, with the judge
// reservation that keeps runs with local judges from deadlocking.

const lease = (id: string, gpus: number, reserve?: number): GpuLease => ({
  leaseId: id,
  holderId: id.split('/')[0] as string,
  purpose: id.split('/')[1] as string,
  gpus,
  budget: 0,
  label: id,
  ...(reserve !== undefined ? { reserve } : {}),
});
const ids = (leases: GpuLease[]) => leases.map((l) => l.leaseId);

test('every waiting lease that fits is granted in one step, in queue order', () => {
  const waiting = [lease('a/nim', 1), lease('b/nim', 1), lease('c/training', 1), lease('d/nim', 1)];
  expect(ids(grantable({ budget: 3, held: [], waiting }))).toEqual(['a/nim', 'b/nim', 'c/training']);
});

test('a lease that does not fit stops the queue, so a large request is not starved', () => {
  const waiting = [lease('a/nim', 2), lease('b/nim', 1)];
  expect(ids(grantable({ budget: 2, held: [lease('x/nim', 1)], waiting }))).toEqual([]);
});

test('a second judge waits while its GPUs are the ones the first judge’s candidates need', () => {
  // budget 2: judge A held (its candidates need 1); judge B would leave nothing for them.
  const held = [lease('runA/judge', 1, 1)];
  const waiting = [lease('runB/judge', 1, 1), lease('runA-c1/nim', 1)];
  expect(ids(grantable({ budget: 2, held, waiting }))).toEqual(['runA-c1/nim']);
});

test('two judges fit when the budget keeps room for a candidate of either', () => {
  const waiting = [lease('runA/judge', 1, 1), lease('runB/judge', 1, 1), lease('runA-c1/nim', 1)];
  expect(ids(grantable({ budget: 3, held: [], waiting }))).toEqual(['runA/judge', 'runB/judge', 'runA-c1/nim']);
});

test('a lease that can only fit once judges leave waits without blocking the leases behind it', () => {
  // budget 4 with a judge held: a 4-GPU NIM cannot fit until the judge goes; a 1-GPU one can now.
  const held = [lease('runA/judge', 1, 1)];
  const waiting = [lease('big/nim', 4), lease('runA-c1/nim', 1)];
  expect(ids(grantable({ budget: 4, held, waiting }))).toEqual(['runA-c1/nim']);
});

// Shared NIMs (gpu_policy.share_nims): a request for a deployment some run holds joins it.
const shared = (id: string, key: string, extra: Partial<GpuLease> = {}): GpuLease => ({
  ...lease(id, 1),
  share: {
    key,
    deployment: {
      namespace: 'ns',
      name: key,
      model: 'm',
      nmpConfig: { nemo_base_url: 'u', nim_base_url: 'u', datastore_base_url: 'u', nmp_namespace: 'ns' },
    },
  },
  ...extra,
});

test('a request for a held shared NIM joins it with no GPU of its own, even past a lease that does not fit', () => {
  const held = [shared('a/nim', 'm1')];
  const waiting = [lease('big/training', 2), shared('b/nim', 'm1'), shared('c/nim', 'm2')];
  const grants = grantable({ budget: 2, held, waiting });
  expect(grants.map((l) => [l.leaseId, l.gpus])).toEqual([['b/nim', 0]]);
});

test('two requests for one unheld shared NIM: the first takes its GPUs, the second joins it in the same step', () => {
  const waiting = [shared('a/nim', 'm1'), shared('b/nim', 'm1')];
  expect(grantable({ budget: 1, held: [], waiting }).map((l) => [l.leaseId, l.gpus])).toEqual([
    ['a/nim', 1],
    ['b/nim', 0],
  ]);
});

test('a shared NIM being torn down (draining, or orphaned) is not joined: the request waits, others pass', () => {
  const draining = [shared('a/nim', 'm1', { draining: true })];
  const waiting = [shared('b/nim', 'm1'), lease('c/nim', 1)];
  expect(ids(grantable({ budget: 3, held: draining, waiting }))).toEqual(['c/nim']);
  const orphans = [shared('dead/nim', 'm1')];
  expect(ids(grantable({ budget: 2, held: [], waiting, orphans }))).toEqual(['c/nim']);
  // the orphan's GPUs are still counted
  expect(ids(grantable({ budget: 1, held: [], waiting, orphans }))).toEqual([]);
});
