import { DatasetAssembler } from '../../pipeline/dataset-assembler';
import { DatasetError } from '../../pipeline/errors';
import { LogRecordSchema } from '../../pipeline/log-record';
import { dedupKey } from '../../pipeline/record-keys';
import { SPLIT } from '../../pipeline/split';
import { detectWorkloadType, recordClass, resolveWorkloadType } from '../../pipeline/workload-type';
import { labelRecord, splitConfig, textRecord, toolRecord } from './fixtures';

// Exercises: pipeline/eval-candidates.ts (used by the assembler this file drives, so no import names them)

const assembler = (type: 'tool_calling' | 'classification' | 'generic', overrides = {}) =>
  new DatasetAssembler({
    workloadId: 'w',
    clientId: 'c',
    workloadType: type,
    split: splitConfig(overrides),
    seed: 'seed',
  });

describe('de-duplication', () => {
  test('the first record of a user question (the newest, in export order) is kept', () => {
    const a = assembler('generic');
    const newest = a.add(textRecord('What is the refund policy?', 'newest answer'));
    const older = a.add(textRecord('What is the refund policy?', 'older answer'));
    expect(newest?.trainLine).toContain('newest answer');
    expect(older).toBeUndefined();
    const { counts } = a.finish();
    expect(counts).toMatchObject({ read: 2, accepted: 1, duplicates: 1 });
  });

  test('the key is every user turn in order; records without user text are never duplicates', () => {
    const turns = (users: string[]) => ({
      request: { messages: users.map((content) => ({ role: 'user' as const, content })) },
    });
    expect(dedupKey(turns(['a', 'b']))).toBe(dedupKey(turns(['a', '', 'b'])));
    expect(dedupKey(turns(['a', 'b']))).not.toBe(dedupKey(turns(['b', 'a'])));
    expect(dedupKey(turns([]))).toBeUndefined();
    const a = assembler('generic');
    const system = {
      ...textRecord('x', 'y'),
      request: { messages: [{ role: 'system', content: 'only a system turn' }] },
    };
    expect(a.add(system)).toBeDefined();
    expect(a.add(system)).toBeDefined();
  });
});

describe('dataset assembly', () => {
  test('counts every rejection by reason and still splits the rest', () => {
    const a = assembler('tool_calling');
    for (let i = 0; i < 20; i++) a.add(toolRecord(`order question ${i}`));
    a.add(textRecord('no tool call', 'text'));
    a.add({ nonsense: true });
    const { counts, plan } = a.finish();
    expect(counts.rejected.no_tool_calls).toBe(1);
    expect(counts.rejected.invalid_envelope).toBe(1);
    expect(plan.counts).toEqual({ eval: 5, train: 13, val: 2, dropped: 0 });
    expect(a.rejectionSamples.map((s) => s.reason)).toEqual(['no_tool_calls', 'invalid_envelope']);
  });

  test('too few records is a DatasetError naming the count, the need and the setting', () => {
    const a = assembler('generic', { min_total_records: 10 });
    for (let i = 0; i < 4; i++) a.add(textRecord(`q${i}`, 'a'));
    expect(() => a.finish()).toThrow(DatasetError);
    expect(() => a.finish()).toThrow(/found 4, need at least 10 \(data_split_config\.min_total_records\)/);
  });

  test('too few usable records names the rejection reasons', () => {
    const a = assembler('classification', { min_total_records: 3 });
    a.add(labelRecord('h1', 'earnings'));
    a.add(textRecord('h2', 'no label'));
    a.add(textRecord('h3', 'no label either'));
    expect(() => a.finish()).toThrow(/only 1 of 3 records .* usable \(rejected missing_label: 2/);
  });

  test('limit below min_total_records is reported as a configuration mistake', () => {
    const a = assembler('generic', { limit: 5, min_total_records: 10 });
    expect(() => a.finish()).toThrow(/limit \(5\) is below data_split_config\.min_total_records \(10\)/);
  });

  test('the class distribution counts each class per split; the ICL pool holds training records only', () => {
    const a = assembler('classification', { eval_size: 4, val_ratio: 0.25 });
    const labels = ['earnings', 'markets'];
    for (let i = 0; i < 40; i++) a.add(labelRecord(`headline ${i}`, labels[i % 2] as string));
    const { classDistribution, iclPool, plan } = a.finish();
    // val = ceil(0.25 × 36) = 9, the odd slot to one class
    expect(classDistribution).toEqual([
      { class: 'earnings', eval: 2, train: 13, val: 5 },
      { class: 'markets', eval: 2, train: 14, val: 4 },
    ]);
    expect(iclPool).toHaveLength(27);
    expect(plan.assignment.filter((c) => c === SPLIT.train)).toHaveLength(27);
  });
});

describe('eval candidates', () => {
  const many = (options: { spill?: (index: number, line: string) => void; maxHeld?: number }) => {
    const a = new DatasetAssembler({
      workloadId: 'w',
      clientId: 'c',
      workloadType: 'classification',
      split: splitConfig({ eval_size: 20, limit: 400 }),
      seed: 'seed',
      spillEvalLine: options.spill,
      maxHeldEvalCandidates: options.maxHeld,
    });
    for (let i = 0; i < 600; i++) a.add(labelRecord(`headline ${i}`, `label${i % 37}`));
    return a.finish();
  };

  test('only the few records that can land in eval are held, and every eval record is among them', () => {
    const { evalLines, plan } = many({});
    expect(evalLines).toHaveLength(plan.counts.eval);
    expect(evalLines.every(({ index }) => plan.assignment[index] === SPLIT.eval)).toBe(true);
  });

  test('past the memory bound, candidates are spilled and the eval set is the same', () => {
    const spilled: { index: number; line: string }[] = [];
    const bounded = many({ spill: (index, line) => spilled.push({ index, line }), maxHeld: 10 });
    const unbounded = many({});
    const evalOf = (lines: { index: number; line: string }[], assignment: Uint8Array) =>
      lines
        .filter(({ index }) => assignment[index] === SPLIT.eval)
        .sort((a, b) => a.index - b.index)
        .map(({ index, line }) => [index, JSON.parse(line).request.messages[0].content]);
    expect(spilled.length).toBeGreaterThan(10);
    expect(evalOf([...bounded.evalLines, ...spilled], bounded.plan.assignment)).toEqual(
      evalOf(unbounded.evalLines, unbounded.plan.assignment),
    );
  });
});

describe('workload type', () => {
  test('tool calling when any response calls a tool', () => {
    expect(detectWorkloadType([textRecord('q', 'a'), toolRecord('q'), { broken: 1 }])).toBe('tool_calling');
  });

  test('classification when nearly every answer carries a [[[label]]]', () => {
    const records = Array.from({ length: 20 }, (_, i) => labelRecord(`h${i}`, 'markets'));
    expect(detectWorkloadType(records)).toBe('classification');
    expect(detectWorkloadType([...records.slice(0, 5), textRecord('q', 'plain'), textRecord('r', 'plain')])).toBe(
      'generic',
    );
  });

  test('generic otherwise, and the configured type overrides detection', () => {
    expect(detectWorkloadType([textRecord('q', 'a')])).toBe('generic');
    expect(detectWorkloadType([])).toBe('generic');
    expect(resolveWorkloadType('classification', [toolRecord('q')])).toBe('classification');
  });

  test('the stratification class is the sorted tool names, the label, or one class', () => {
    const twoCalls = toolRecord('q');
    const call = twoCalls.response.choices[0]?.message.tool_calls[0];
    twoCalls.response.choices[0]?.message.tool_calls.push({
      ...call,
      function: { name: 'a_first', arguments: {} },
    } as never);
    expect(recordClass(LogRecordSchema.parse(twoCalls), 'tool_calling')).toBe('a_first+get_order_status');
    expect(recordClass(LogRecordSchema.parse(labelRecord('h', ' earnings ')), 'classification')).toBe('earnings');
    expect(recordClass(LogRecordSchema.parse(textRecord('q', 'a')), 'generic')).toBe('generic');
  });
});
