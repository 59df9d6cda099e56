/** Structured logging for the API: one JSON object per line. Never given headers or tokens. */
export interface ApiLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): ApiLogger {
  const emit =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      write(JSON.stringify({ time: new Date().toISOString(), level, component: 'api', msg, ...fields }));
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Keeps log lines in memory; for tests that assert what was (and was not) logged. */
export function memoryLogger(): ApiLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, ...jsonLogger((l) => lines.push(l)) };
}
