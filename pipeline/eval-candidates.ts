import type { RecordRef } from './record-processing';

// The records that can still end up in the eval set, without formatting every record as an
// eval row. The split gives each stratum at most `evalSize` eval records, taken in priority
// order, so a record can only land in eval while it is among the `evalSize` lowest priorities
// of its class; everything else is let go. Held records are bounded by `maxHeld`: past it
// (thousands of classes), every candidate is handed to `spill` instead, the held ones first.

interface Held {
  priority: number;
  index: number;
  record: RecordRef;
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

  offer(cls: number, priority: number, index: number, record: RecordRef): void {
    if (this.evalSize <= 0) return;
    if (this.spilling) {
      this.spill(index, record);
      return;
    }
    let list = this.byClass.get(cls);
    if (!list) {
      list = [];
      this.byClass.set(cls, list);
    }
    const last = list[list.length - 1];
    if (list.length >= this.evalSize && last && priority >= last.priority) return;
    let at = list.length;
    while (at > 0 && (list[at - 1] as Held).priority > priority) at--;
    list.splice(at, 0, { priority, index, record });
    if (list.length > this.evalSize) list.pop();
    else this.held++;
    if (this.held > this.maxHeld) this.startSpilling();
  }

  /** The held records whose index `isEval` accepts. */
  pick(isEval: (index: number) => boolean): { index: number; record: RecordRef }[] {
    const out: { index: number; record: RecordRef }[] = [];
    for (const list of this.byClass.values()) for (const h of list) if (isEval(h.index)) out.push(h);
    return out;
  }

  private startSpilling() {
    this.spilling = true;
    for (const list of this.byClass.values()) for (const h of list) this.spill(h.index, h.record);
    this.byClass.clear();
    this.held = 0;
  }
}
