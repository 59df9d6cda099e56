import fc from 'fast-check';
import { ResolvedWorkloadType } from '../../contracts';
import { REJECTION_REASONS, validateRecord } from '../../pipeline/validation';
import { malformedRecord } from './malformed';

describe('validation under malformed input', () => {
  test('10,000 malformed record variants: no crash, every rejection has a known reason and a detail', () => {
    const samples = fc.sample(malformedRecord, { numRuns: 10_000, seed: 4242 });
    const known = new Set<string>(REJECTION_REASONS);
    const unexplained: unknown[] = [];
    let rejected = 0;
    for (const type of ResolvedWorkloadType.options) {
      for (const raw of samples) {
        const result = validateRecord(raw, { workloadType: type, parseFunctionArguments: true, maxToolProperties: 8 });
        if (result.ok) continue;
        rejected++;
        if (!known.has(result.reason) || result.detail.length === 0) unexplained.push(result);
      }
    }
    expect(unexplained).toEqual([]);
    // most variants really are broken
    expect(rejected).toBeGreaterThan(15_000);
  });
});
