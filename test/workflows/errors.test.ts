import { messageOf } from '../../workflows/errors';

// The message a workflow records for a failure: an activity or child failure's cause, when it has one.

test('a wrapped failure reports its cause', () => {
  const cause = new Error('deployment meta/llama failed: image pull back-off');
  const wrapper = new Error('Activity task failed', { cause });
  expect(messageOf(wrapper)).toBe('deployment meta/llama failed: image pull back-off');
});

test('an error without a useful cause reports itself', () => {
  expect(messageOf(new Error('plain'))).toBe('plain');
  expect(messageOf(new Error('outer', { cause: new Error('') }))).toBe('outer');
  expect(messageOf(new Error('outer', { cause: 'a string cause' }))).toBe('outer');
});

test('anything thrown that is not an Error is stringified', () => {
  expect(messageOf('boom')).toBe('boom');
  expect(messageOf(42)).toBe('42');
  expect(messageOf(undefined)).toBe('undefined');
});
