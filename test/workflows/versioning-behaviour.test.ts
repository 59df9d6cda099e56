import * as workflows from '../../workflows';
import { pinnedWhenVersioned } from '../../workflows/versioning';

// Every workflow type chooses its Worker Versioning behaviour on purpose: runs, candidates and
// deletions are pinned (workflows/index.ts); the GPU ledger alone takes the versioned worker's
// default, AUTO_UPGRADE. A new workflow type has to be added to one list or the other.

const AUTO_UPGRADE = ['gpuBudget'];

test.each(Object.entries(workflows).filter(([, v]) => typeof v === 'function'))('%s', (name, fn) => {
  const options = (fn as { workflowDefinitionOptions?: unknown }).workflowDefinitionOptions;
  if (AUTO_UPGRADE.includes(name)) expect(options).toBeUndefined();
  else expect(options).toBe(pinnedWhenVersioned);
});
