import { type EmulatorState, key } from './store';

// Reading a stored file by the URL NeMo services use for datastore content.

/** A file by `hf://datasets/{ns}/{name}/{path}` (or a repo URL plus a path), or undefined. */
export function readDatastoreFile(state: EmulatorState, filesUrl: string, path?: string): Buffer | undefined {
  const match = /^hf:\/\/datasets\/([^/]+)\/([^/]+)(?:\/(.+))?$/.exec(filesUrl);
  if (!match) return undefined;
  const filePath = path ?? match[3];
  if (!filePath) return undefined;
  return state.repos.get(key(match[1] ?? '', match[2] ?? ''))?.files.get(filePath);
}
