import type { Logger } from 'pino';
import { createLogger } from '../observability/logger';

/** Structured logging for the API: one JSON object per line (pino). Never given headers or tokens. */
export interface ApiLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function over(logger: Logger): ApiLogger {
  return {
    info: (msg, fields = {}) => logger.info(fields, msg),
    warn: (msg, fields = {}) => logger.warn(fields, msg),
    error: (msg, fields = {}) => logger.error(fields, msg),
  };
}

/** The API's logger; `write` receives each line without its newline (stdout by default). */
export function jsonLogger(write?: (line: string) => void): ApiLogger {
  return over(createLogger('api', write ? { write: (s: string) => write(s.replace(/\n$/, '')) } : undefined));
}

/** Keeps log lines in memory; for tests that assert what was (and was not) logged. */
export function memoryLogger(): ApiLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...jsonLogger((l) => lines.push(l)) };
}
