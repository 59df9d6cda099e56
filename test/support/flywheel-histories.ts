import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { FlywheelHarness } from './flywheel-harness';

// Recorded workflow histories for the replay (determinism) test. A test run with
// RECORD_HISTORIES=1 writes the histories of the runs it finishes; they are committed, and the
// replay test runs them against the current workflow code.
//
// Stored as the protobuf binary (base64), not the SDK's proto3 JSON: in this dependency tree
// @temporalio/common and @temporalio/proto each carry their own protobufjs copy, and the SDK's
// JSON converters (historyToJSON / historyFromJSON) reject the other copy's types.

const { History } = temporal.api.history.v1;
export const HISTORIES_DIR = path.resolve(__dirname, '../workflows/histories');

interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  events: number;
  historyBase64: string;
}

/** Writes the run's history and its children's, when RECORD_HISTORIES=1. */
export async function recordHistory(h: FlywheelHarness, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const parent = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  const children = (parent.events ?? []).flatMap((e) => {
    const started = e.childWorkflowExecutionStartedEventAttributes;
    return started?.workflowExecution?.workflowId ? [started.workflowExecution.workflowId] : [];
  });
  const write = async (id: string, workflowType: string, file: string) => {
    const history = await h.env.client.workflow.getHandle(id).fetchHistory();
    const recorded: RecordedHistory = {
      workflowId: id,
      workflowType,
      events: history.events?.length ?? 0,
      historyBase64: Buffer.from(History.encode(history).finish()).toString('base64'),
    };
    writeFileSync(path.join(HISTORIES_DIR, `${file}.json`), `${JSON.stringify(recorded, null, 2)}\n`);
  };
  await write(workflowId, 'flywheelRun', `${name}-flywheelRun`);
  for (const [i, id] of children.entries()) await write(id, 'candidateRun', `${name}-candidateRun-${i}`);
}

export function readRecordedHistories() {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const recorded = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
      const history = History.decode(Buffer.from(recorded.historyBase64, 'base64'));
      return { file, workflowId: recorded.workflowId, events: recorded.events, history };
    });
}
