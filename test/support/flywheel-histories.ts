import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FlywheelHarness } from './flywheel-harness';

// Recorded workflow histories for the replay (determinism) test. A test run with
// RECORD_HISTORIES=1 writes the histories of the runs it finishes; they are committed, and the
// replay test runs them against the current workflow code.

export const HISTORIES_DIR = path.resolve(__dirname, '../workflows/histories');

interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  history: unknown;
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
  const write = async (id: string, type: string, file: string) => {
    const history = await h.env.client.workflow.getHandle(id).fetchHistory();
    const recorded: RecordedHistory = {
      workflowId: id,
      workflowType: type,
      history: JSON.parse(historyToJSON(history)),
    };
    writeFileSync(path.join(HISTORIES_DIR, `${file}.json`), `${JSON.stringify(recorded)}\n`);
  };
  await write(workflowId, 'flywheelRun', `${name}-flywheelRun`);
  for (const [i, id] of children.entries()) await write(id, 'candidateRun', `${name}-candidateRun-${i}`);
}

export function readRecordedHistories(): {
  file: string;
  workflowId: string;
  history: ReturnType<typeof historyFromJSON>;
}[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const recorded = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
      return { file, workflowId: recorded.workflowId, history: historyFromJSON(recorded.history) };
    });
}
