import { removeSharedBundle, sharedBundleFile } from './shared-workflow-bundle';

export default function globalTeardown(): void {
  removeSharedBundle(sharedBundleFile());
}
