import type { DataSplitConfig } from '../config/schema';
import type { ResolvedWorkloadType } from '../contracts';
import { DatasetError } from './errors';
import { EvalCandidates } from './eval-candidates';
import { toEvalRow } from './formatting';
import { type IclCandidate, makeCandidate } from './icl-selection';
import { Deduplicator, seededPriority } from './record-keys';
import {
  type ProcessedRecord,
  type ProcessOptions,
  processRecord,
  type RecordCutoffs,
  type RecordRef,
  resolveRecord,
  trainLine,
} from './record-processing';
import { planSplit, SPLIT, type SplitPlan } from './split';
import { DEFAULT_MAX_TOOL_PROPERTIES, emptyRejectionCounts, type RejectionReason } from './validation';

// One pass over exported records that keeps only numbers per record (class id, seeded
// priority), so memory stays flat however many records there are. The caller spills the
// training line `add` returns to disk and routes it once `finish` has planned the split. Eval
// rows are only formatted for the few records that can still land in eval (EvalCandidates).

export interface AssemblerOptions {
  workloadId: string;
  clientId: string;
  workloadType: ResolvedWorkloadType;
  split: DataSplitConfig;
  /** Seeds sampling, the split and tie-breaks; the run id when the config has no seed. */
  seed: string;
  /** Training records kept in memory as ICL candidates (a seeded sample when there are more). */
  iclPoolSize?: number;
  maxToolProperties?: number;
  /**
   * Receives eval-row lines of records that may end up in eval when there are too many
   * classes to hold the candidates in memory; the caller keeps them with their index.
   */
  spillEvalLine?: (index: number, line: string) => void;
  /** Eval candidates held in memory at most (then they are spilled). */
  maxHeldEvalCandidates?: number;
  /** Where a rejected record came from (its Elasticsearch document id), for the report. */
  documentIdOf?: (raw: unknown) => string | undefined;
}

/** A rejected record's reason, and its document id when it is known, so it can be found. */
export interface RejectionSample {
  reason: RejectionReason;
  detail: string;
  documentId?: string;
}

export interface AcceptedLines {
  /** Index of the accepted record, 0-based, in arrival order. */
  index: number;
  trainLine: string;
}

export interface ClassCounts {
  class: string;
  eval: number;
  train: number;
  val: number;
}

export interface AssembledSplit {
  plan: SplitPlan;
  /** Records per class in each split, the largest classes first (an array: class names may hold '.'). */
  classDistribution: ClassCounts[];
  /** ICL candidates among the records assigned to training. */
  iclPool: IclCandidate[];
  /** Eval rows of held eval records, by record index (spilled ones are the caller's). */
  evalLines: { index: number; line: string }[];
  counts: { read: number; accepted: number; duplicates: number; rejected: Record<RejectionReason, number> };
}

// Enough for balanced uniform picks and a good similarity search; bounded because every pooled
// record stays in memory until the split is planned.
const DEFAULT_ICL_POOL = 2000;
/** Eval candidates held as objects before they go to the spill file (only with thousands of classes). */
const DEFAULT_MAX_HELD = 5000;

/** The per-record settings an assembler with these options processes records with. */
export function processOptionsOf(
  options: Pick<AssemblerOptions, 'workloadType' | 'split' | 'seed' | 'maxToolProperties'>,
): ProcessOptions {
  return {
    workloadType: options.workloadType,
    parseFunctionArguments: options.split.parse_function_arguments,
    maxToolProperties: options.maxToolProperties ?? DEFAULT_MAX_TOOL_PROPERTIES,
    seed: options.seed,
  };
}

export class DatasetAssembler {
  private readonly dedup = new Deduplicator();
  private readonly rejected = emptyRejectionCounts();
  private readonly classIndex = new Map<string, number>();
  private classIds = new Int32Array(1024);
  private priorities = new Float64Array(1024);
  private accepted = 0;
  private read = 0;
  private pool: { index: number; priority: number; record: RecordRef | undefined; cls: string }[] = [];
  private readonly poolSize: number;
  private readonly evalCandidates: EvalCandidates;
  readonly rejectionSamples: RejectionSample[] = [];

  private readonly processOptions: ProcessOptions;

  constructor(private readonly options: AssemblerOptions) {
    this.processOptions = processOptionsOf(options);
    this.poolSize = options.iclPoolSize ?? DEFAULT_ICL_POOL;
    const spill = options.spillEvalLine;
    this.evalCandidates = new EvalCandidates(
      options.split.eval_size,
      spill ? (options.maxHeldEvalCandidates ?? DEFAULT_MAX_HELD) : Number.POSITIVE_INFINITY,
      (index, record) => spill?.(index, JSON.stringify(toEvalRow(resolveRecord(record)))),
    );
  }

  get progress(): { read: number; accepted: number } {
    return { read: this.read, accepted: this.accepted };
  }

  /** Validates, de-duplicates and formats one record; undefined when it is left out. */
  add(raw: unknown): AcceptedLines | undefined {
    return this.accept(processRecord(raw, this.processOptions, this.options.documentIdOf?.(raw)));
  }

  /** What `processRecord` found for the next record in arrival order. */
  accept(processed: ProcessedRecord): AcceptedLines | undefined {
    if (!processed.ok) {
      this.reject(processed);
      return undefined;
    }
    const index = this.admit(processed.key, processed.priority, processed.cls, processed.record);
    if (index === undefined) return undefined;
    return { index, trainLine: trainLine(processed.record, this.options.workloadType) };
  }

  /** Counts the next record in arrival order as rejected. */
  reject(rejection: RejectionSample): void {
    this.read++;
    this.rejected[rejection.reason]++;
    if (this.rejectionSamples.length < 20) {
      const { reason, detail, documentId } = rejection;
      this.rejectionSamples.push({ reason, detail, ...(documentId ? { documentId } : {}) });
    }
  }

  /**
   * Takes the next valid record in arrival order: its index among the accepted ones, or
   * undefined for a duplicate. `record` may be left out (a record worker's answer) when it can
   * no longer enter the ICL pool or eval (see `RecordCutoffs`).
   */
  admit(key: string | undefined, keyPriority: number | undefined, cls: string, record: RecordRef | undefined) {
    this.read++;
    if (!this.dedup.admit(key)) return undefined;

    const index = this.accepted++;
    let id = this.classIndex.get(cls);
    if (id === undefined) {
      id = this.classIndex.size;
      this.classIndex.set(cls, id);
    }
    // records without user text have no dedup key; their position makes a stable stand-in
    const priority = keyPriority ?? seededPriority(this.options.seed, `#${index}`);
    this.grow(index);
    this.classIds[index] = id;
    this.priorities[index] = priority;
    this.offerToPool(index, priority, record, cls);
    this.evalCandidates.offer(id, priority, index, record);
    return index;
  }

  /** What a record worker may leave out from now on (see `RecordCutoffs`). */
  cutoffs(): RecordCutoffs {
    this.trimPool();
    const pool =
      this.pool.length >= this.poolSize
        ? (this.pool[this.poolSize - 1] as { priority: number }).priority
        : Number.POSITIVE_INFINITY;
    const evalCutoffs: Record<string, number> = {};
    for (const [name, id] of this.classIndex) {
      const cutoff = this.evalCandidates.cutoff(id);
      if (cutoff !== Number.POSITIVE_INFINITY) evalCutoffs[name] = cutoff;
    }
    return { pool, eval: evalCutoffs };
  }

  /** Checks the counts, plans the split and returns what the routing pass needs. */
  finish(): AssembledSplit {
    const { split, workloadId, clientId } = this.options;
    const context = { workloadId, clientId };
    const counts = {
      read: this.read,
      accepted: this.accepted,
      duplicates: this.dedup.duplicates,
      rejected: { ...this.rejected },
    };
    if (split.limit < split.min_total_records) {
      throw new DatasetError(
        `data_split_config.limit (${split.limit}) is below data_split_config.min_total_records (${split.min_total_records}); raise limit or lower min_total_records`,
        context,
      );
    }
    if (this.read < split.min_total_records) {
      throw new DatasetError(
        `not enough records for workload "${workloadId}" and client "${clientId}": found ${this.read}, need at least ${split.min_total_records} (data_split_config.min_total_records); log more traffic or lower that setting`,
        { ...context, found: this.read },
      );
    }
    if (this.accepted < split.min_total_records) {
      const reasons = Object.entries(this.rejected)
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ');
      throw new DatasetError(
        `only ${this.accepted} of ${this.read} records for workload "${workloadId}" are usable (rejected ${reasons || 'none'}; duplicates ${this.dedup.duplicates}); need at least ${split.min_total_records} (data_split_config.min_total_records)`,
        { ...context, counts },
      );
    }

    const classIds = this.classIds.subarray(0, this.accepted);
    const plan = planSplit(classIds, this.priorities.subarray(0, this.accepted), {
      evalSize: split.eval_size,
      valRatio: split.val_ratio,
      limit: split.limit,
    });
    this.trimPool();
    const iclPool = this.pool
      .filter((p) => plan.assignment[p.index] === SPLIT.train)
      .map((p) => {
        if (p.record === undefined) throw new Error(`ICL pool record ${p.index} arrived without its record`);
        return makeCandidate(resolveRecord(p.record), p.cls);
      });
    const evalLines = this.evalCandidates
      .pick((index) => plan.assignment[index] === SPLIT.eval)
      .map(({ index, record }) => ({ index, line: JSON.stringify(toEvalRow(resolveRecord(record))) }));
    return { plan, classDistribution: this.distribution(classIds, plan), iclPool, evalLines, counts };
  }

  private distribution(classIds: Int32Array, plan: SplitPlan): ClassCounts[] {
    const rows: ClassCounts[] = [...this.classIndex.keys()].map((name) => ({ class: name, eval: 0, train: 0, val: 0 }));
    classIds.forEach((id, i) => {
      const row = rows[id] as ClassCounts;
      const code = plan.assignment[i];
      if (code === SPLIT.eval) row.eval++;
      else if (code === SPLIT.train) row.train++;
      else if (code === SPLIT.val) row.val++;
    });
    return rows
      .filter((r) => r.eval + r.train + r.val > 0)
      .sort((a, b) => b.eval + b.train + b.val - (a.eval + a.train + a.val) || (a.class < b.class ? -1 : 1));
  }

  private grow(index: number) {
    if (index < this.classIds.length) return;
    const size = this.classIds.length * 2;
    const ids = new Int32Array(size);
    ids.set(this.classIds);
    this.classIds = ids;
    const prios = new Float64Array(size);
    prios.set(this.priorities);
    this.priorities = prios;
  }

  /** Keeps the `poolSize` lowest-priority records (a seeded sample) for ICL. */
  private offerToPool(index: number, priority: number, record: RecordRef | undefined, cls: string) {
    this.pool.push({ index, priority, record, cls });
    if (this.pool.length >= this.poolSize * 2) {
      this.pool.sort((a, b) => a.priority - b.priority);
      this.pool.length = this.poolSize;
    }
  }

  private trimPool() {
    this.pool.sort((a, b) => a.priority - b.priority);
    if (this.pool.length > this.poolSize) this.pool.length = this.poolSize;
  }
}
