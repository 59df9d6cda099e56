import { type Command, InvalidArgumentError } from 'commander';
import { isJobId } from '../contracts';
import { FlywheelApiClient } from './api-client';
import type { CliIo } from './io';

export const DEFAULT_API_URL = 'http://127.0.0.1:8000';

/** What every command gets: output, and the API client from --api-url/--token or the env. */
export interface CliContext {
  io: CliIo;
  api(command: Command): FlywheelApiClient;
  /** Prints JSON for --json, otherwise the human text. */
  print(command: Command, json: unknown, text: () => string): void;
}

export function createContext(io: CliIo): CliContext {
  return {
    io,
    api(command) {
      const opts = command.optsWithGlobals<{ apiUrl?: string; token?: string }>();
      return new FlywheelApiClient({
        url: opts.apiUrl ?? io.env.FLYWHEEL_API_URL ?? DEFAULT_API_URL,
        token: opts.token ?? io.env.FLYWHEEL_API_TOKEN,
      });
    },
    print(command, json, text) {
      if (command.optsWithGlobals<{ json?: boolean }>().json) io.out(JSON.stringify(json, null, 2));
      else io.out(text());
    },
  };
}

export const integer =
  (name: string, min = 0) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };

export const ratio = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('must be a number in [0, 1)');
  return n;
};

export const jobIdArg = (value: string) => {
  if (!isJobId(value)) throw new InvalidArgumentError('a job id is 24 hexadecimal characters');
  return value;
};
