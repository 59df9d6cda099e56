import { readPromptExamples, withoutPromptExamples } from '../../nemo-emulator/models/prompt-examples';
import {
  formatIclExample,
  type IclExample,
  injectIclExamples,
  parseIclExamples,
} from '../../pipeline/icl-example-format';

// The emulator reads in-context examples with its own reader (a test double imports nothing of
// the system it tests), a deliberate mirror of pipeline/icl-example-format.ts. This pins that
// the two agree: whatever the pipeline writes, the emulator's models read the same examples.

const EXAMPLES: IclExample[] = [
  { user: ['Where is my order 1234?'], answer: 'It ships tomorrow.', toolCalls: [] },
  {
    user: ['Cancel order 77', 'yes,\n  really'],
    answer: '',
    toolCalls: [{ name: 'cancel_order', arguments: { order_id: 77, reason: 'asked\nby user' } }],
  },
  { user: ['Both: text and a call'], answer: 'Looking it up', toolCalls: [{ name: 'lookup', arguments: {} }] },
];

describe('the emulator reads ICL examples as the pipeline writes them', () => {
  test('every example the pipeline writes reads back the same on both sides', () => {
    const system = injectIclExamples('Answer in one sentence.', EXAMPLES.map(formatIclExample));
    const pipeline = parseIclExamples(system);
    expect(pipeline).toHaveLength(EXAMPLES.length);
    expect(readPromptExamples(system)).toEqual(pipeline);
    // a multi-line user turn is written on one line, so both read it as one turn
    expect(pipeline[1]?.user).toEqual(['Cancel order 77', 'yes, really']);
  });

  test('blocks either side cannot read are skipped by both alike', () => {
    const system = [
      '<example>\nUser: kept\nTool calls: not json\n</example>',
      '<example>\nAssistant: no user turn\n</example>',
      '<example>\nUser: never closed',
    ].join('\n');
    expect(readPromptExamples(system)).toEqual(parseIclExamples(system));
    expect(readPromptExamples(system)).toEqual([{ user: ['kept'], answer: '', toolCalls: [] }]);
  });

  test('without its examples, the prompt keeps the instructions the pipeline kept', () => {
    const system = injectIclExamples('Answer in one sentence.', EXAMPLES.map(formatIclExample));
    const rest = withoutPromptExamples(system);
    expect(rest).not.toContain('<example>');
    expect(rest).toContain('Answer in one sentence.');
  });
});
