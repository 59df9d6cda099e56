import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { FlywheelHarness } from './flywheel-harness';

// The replay corpus: workflow histories recorded from real runs, one directory per generation
// of workflow code (test/workflows/histories/<NNN-name>/), never changed once committed
// (scripts/check-histories.sh refuses a change that modifies or deletes one). The replay test
// replays every generation against the current code, so a run started on any released version
// still replays after an upgrade.
//
// `npm run record-histories -- <name>` runs the recording tests with RECORD_HISTORIES set to a
// new generation's directory name; the tests call recordHistory / recordWorkflowHistory, which
// write into that directory only and never over an existing file.
//
// Stored as the protobuf binary (base64), not the SDK's proto3 JSON: in this dependency tree
// @temporalio/common and @temporalio/proto each carry their own protobufjs copy, and the SDK's
// JSON converters (historyToJSON / historyFromJSON) reject the other copy's types.

const { History } = temporal.api.history.v1;
export const HISTORIES_DIR = path.resolve(__dirname, '../workflows/histories');
export const GENERATION_RE = /^\d{3}-[a-z0-9][a-z0-9-]*$/;

interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  events: number;
  historyBase64: string;
}

export interface ReplayableHistory {
  generation: string;
  file: string;
  workflowId: string;
  workflowType: string;
  events: number;
  history: temporal.api.history.v1.History;
}

/** The generation being recorded (RECORD_HISTORIES), or undefined when not recording. */
export function recordingGeneration(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const generation = env.RECORD_HISTORIES;
  if (!generation) return undefined;
  if (!GENERATION_RE.test(generation)) {
    throw new Error(
      `RECORD_HISTORIES="${generation}" is not a generation directory name (NNN-name); record with \`npm run record-histories -- <name>\``,
    );
  }
  return generation;
}

/** Writes the history of a run (or a deletion) and of its child workflows, when recording. */
export async function recordHistory(h: FlywheelHarness, workflowId: string, name: string): Promise<void> {
  if (!recordingGeneration()) return;
  const parent = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  await writeHistory(workflowId, name, parent);
  const children = (parent.events ?? []).flatMap((e) => {
    const started = e.childWorkflowExecutionStartedEventAttributes;
    const id = started?.workflowExecution?.workflowId;
    return id ? [{ id, runId: started.workflowExecution?.runId ?? undefined }] : [];
  });
  for (const [i, child] of children.entries()) {
    const history = await h.env.client.workflow.getHandle(child.id, child.runId).fetchHistory();
    await writeHistory(child.id, `${name}-${i}`, history);
  }
}

/**
 * Writes one workflow's history from `runId` on, following continue-as-new into every later
 * run (one file each), when recording.
 */
export async function recordWorkflowHistory(
  client: Client,
  workflowId: string,
  runId: string | undefined,
  name: string,
): Promise<void> {
  if (!recordingGeneration()) return;
  for (let i = 0, next = runId; ; i++) {
    const history = await client.workflow.getHandle(workflowId, next).fetchHistory();
    await writeHistory(workflowId, `${name}-run${i}`, history);
    const last = history.events?.at(-1);
    next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    if (!next) return;
  }
}

async function writeHistory(workflowId: string, name: string, history: temporal.api.history.v1.IHistory) {
  const generation = recordingGeneration() as string;
  const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
  const dir = path.join(HISTORIES_DIR, generation);
  mkdirSync(dir, { recursive: true });
  const recorded: RecordedHistory = {
    workflowId,
    workflowType,
    events: history.events?.length ?? 0,
    historyBase64: Buffer.from(History.encode(history).finish()).toString('base64'),
  };
  // 'wx': a history file is written once; a second recording under the same name is a bug
  writeFileSync(path.join(dir, `${name}-${workflowType}.json`), `${JSON.stringify(recorded, null, 2)}\n`, {
    flag: 'wx',
  });
}

/** The generation directories, oldest first. */
export function generations(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => statSync(path.join(dir, f)).isDirectory())
    .sort();
}

/** Entries of the corpus root that are not generation directories (there must be none). */
export function strayCorpusEntries(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir).filter(
    (f) => f !== 'README.md' && !(GENERATION_RE.test(f) && statSync(path.join(dir, f)).isDirectory()),
  );
}

export function readRecordedHistories(dir = HISTORIES_DIR): ReplayableHistory[] {
  return generations(dir).flatMap((generation) =>
    readdirSync(path.join(dir, generation))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((file) => {
        const recorded = JSON.parse(readFileSync(path.join(dir, generation, file), 'utf8')) as RecordedHistory;
        const history = History.decode(Buffer.from(recorded.historyBase64, 'base64'));
        const workflowType =
          recorded.workflowType ?? history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
        return { generation, file, workflowId: recorded.workflowId, workflowType, events: recorded.events, history };
      }),
  );
}
