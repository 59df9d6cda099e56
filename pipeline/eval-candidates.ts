import type { RecordRef } from './record-processing';

// The records that can still end up in the eval set, without formatting every record as an
// eval row. The split gives each stratum at most `evalSize` eval records, taken in priority
// order, so a record can only land in eval while it is among the `evalSize` lowest priorities
// of its class; everything else is let go. Held records are bounded by `maxHeld`: past it
// (thousands of classes), every record that becomes a candidate is handed to `spill` instead,
// the held ones first, and only the candidates' priorities are kept.

interface Held {
  priority: number;
  index: number;
  /** Undefined once spilled. */
  record: RecordRef | undefined;
}

export class EvalCandidates {
  /** Per class, ascending by priority. */
  private readonly byClass = new Map<number, Held[]>();
  private held = 0;
  private spilling = false;

  constructor(
    private readonly evalSize: number,
    private readonly maxHeld: number,
    private readonly spill: (index: number, record: RecordRef) => void,
  ) {}

  get spilled(): boolean {
    return this.spilling;
  }

  /**
   * A record of this class at or above this priority can no longer be a candidate (it only
   * falls as records come); Infinity while the class has fewer than `evalSize` candidates.
   */
  cutoff(cls: number): number {
    const list = this.byClass.get(cls);
    return list && list.length >= this.evalSize ? (list[list.length - 1] as Held).priority : Number.POSITIVE_INFINITY;
  }

  /** `record` may be left out only when `priority` is at or above the class's `cutoff`. */
  offer(cls: number, priority: number, index: number, record: RecordRef | undefined): void {
    if (this.evalSize <= 0) return;
    let list = this.byClass.get(cls);
    if (!list) {
      list = [];
      this.byClass.set(cls, list);
    }
    const last = list[list.length - 1];
    if (list.length >= this.evalSize && last && priority >= last.priority) return;
    if (record === undefined) throw new Error(`eval candidate ${index} arrived without its record`);
    let at = list.length;
    while (at > 0 && (list[at - 1] as Held).priority > priority) at--;
    list.splice(at, 0, { priority, index, record: this.spilling ? undefined : record });
    if (list.length > this.evalSize) list.pop();
    else if (!this.spilling) this.held++;
    if (this.spilling) this.spill(index, record);
    else if (this.held > this.maxHeld) this.startSpilling();
  }

  /** The held records whose index `isEval` accepts (none once spilling: they are the caller's). */
  pick(isEval: (index: number) => boolean): { index: number; record: RecordRef }[] {
    const out: { index: number; record: RecordRef }[] = [];
    if (this.spilling) return out;
    for (const list of this.byClass.values()) {
      for (const h of list) if (isEval(h.index)) out.push({ index: h.index, record: h.record as RecordRef });
    }
    return out;
  }

  private startSpilling() {
    this.spilling = true;
    for (const list of this.byClass.values()) {
      for (const h of list) {
        this.spill(h.index, h.record as RecordRef);
        h.record = undefined;
      }
    }
    this.held = 0;
  }
}
