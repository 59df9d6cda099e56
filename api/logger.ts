import { type DestinationStream, type Logger, pino } from 'pino';
import { createLogger } from '../observability/logger';

/** Structured logging for the API: one JSON object per line (pino). Never given headers or tokens. */
export interface ApiLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * The line of one answered request (`info`, "request"): the request log's fixed fields (id,
   * method, path, status, duration, address, token name), none of them a secret key, so written
   * without the redaction pass, which cost more than the rest of a cached request.
   */
  request?(fields: Record<string, unknown>): void;
}

function over(logger: Logger, unredacted?: Logger): ApiLogger {
  return {
    info: (msg, fields = {}) => logger.info(fields, msg),
    warn: (msg, fields = {}) => logger.warn(fields, msg),
    error: (msg, fields = {}) => logger.error(fields, msg),
    ...(unredacted ? { request: (fields: Record<string, unknown>) => unredacted.info(fields, 'request') } : {}),
  };
}

/** The API's logger; `write` receives each line without its newline (stdout by default). */
export function jsonLogger(write?: (line: string) => void): ApiLogger {
  const logger = createLogger('api', write ? { write: (s: string) => write(s.replace(/\n$/, '')) } : undefined);
  // the request lines go to the same stream (pino's own default, stdout, when none is given)
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return over(logger, createLogger('api', stream, undefined, { redact: false }));
}

/** Keeps log lines in memory; for tests that assert what was (and was not) logged. */
export function memoryLogger(): ApiLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...jsonLogger((l) => lines.push(l)) };
}
