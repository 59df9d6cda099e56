import { stringCheck, tokenF1, toolCallingScores } from '../../nemo-emulator/evaluation/metrics';
import { chatUrl } from '../../nemo-emulator/evaluation/targets';
import { checkTemplate, render, TemplateError } from '../../nemo-emulator/evaluation/template';

// The Evaluator's template subset and metrics as pure functions.

const item = {
  request: { messages: [{ role: 'user', content: 'Where is order 42?' }], tools: [{ type: 'function' }] },
  response: {
    choices: [
      { message: { content: 'It is [[[shipped]]]', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] } },
    ],
  },
};

describe('templates', () => {
  test('a string that is exactly one tojson expression stands for the value itself', () => {
    expect(render({ messages: '{{ item.request.messages | tojson }}' }, { item })).toEqual({
      messages: item.request.messages,
    });
    expect(render('{{item.request.tools|tojson}}', { item })).toEqual(item.request.tools);
  });

  test('other strings interpolate text; objects as JSON, missing values as empty', () => {
    const scope = { item, sample: { output_text: 'ok' } };
    expect(render('<r>{{ item.response.choices[0].message.content }}</r><c>{{ sample.output_text }}</c>', scope)).toBe(
      '<r>It is [[[shipped]]]</r><c>ok</c>',
    );
    expect(render('{{ item.response.choices[0]["message"].tool_calls }}', scope)).toBe(
      JSON.stringify(item.response.choices[0]?.message.tool_calls),
    );
    expect(render('[{{ item.nothing.here }}]', scope)).toBe('[]');
    expect(render('{{ item.request.messages[0].content | tojson }} asked', scope)).toBe('"Where is order 42?" asked');
  });

  test('unsupported filters and roots other than item/sample are rejected up front', () => {
    expect(() => checkTemplate('{{ item.x | safe }}')).toThrow(TemplateError);
    expect(() => checkTemplate(['{{ request.messages }}'])).toThrow(/must start with item or sample/);
    expect(() => checkTemplate({ a: '{{ item.request.messages[0] }}' })).not.toThrow();
  });
});

describe('metrics', () => {
  test('tool-calling accuracy compares names in order, then arguments (strings parsed)', () => {
    const truth = [{ function: { name: 'get_weather', arguments: { city: 'Paris', days: 3 } } }];
    expect(
      toolCallingScores([{ function: { name: 'get_weather', arguments: '{"city":"paris","days":"3"}' } }], truth),
    ).toEqual({
      function_name_accuracy: 1,
      function_name_and_args_accuracy: 1,
    });
    expect(
      toolCallingScores([{ function: { name: 'get_weather', arguments: '{"city":"Lima","days":3}' } }], truth),
    ).toEqual({
      function_name_accuracy: 1,
      function_name_and_args_accuracy: 0,
    });
    expect(toolCallingScores([], truth)).toEqual({ function_name_accuracy: 0, function_name_and_args_accuracy: 0 });
    expect(toolCallingScores([], [])).toEqual({ function_name_accuracy: 1, function_name_and_args_accuracy: 1 });
  });

  test('the documented f1 is token overlap; string-check compares rendered strings', () => {
    expect(tokenF1('the cat sat', 'the cat sat')).toBe(1);
    // 2 common tokens: P = 2/3, R = 2/2 → F1 = 0.8
    expect(tokenF1('the cat sat', 'the cat')).toBeCloseTo(0.8, 10);
    expect(tokenF1('dog', 'cat')).toBe(0);
    expect(stringCheck(' [[[a]]] ', 'equals', '[[[a]]]')).toBe(1);
    expect(stringCheck('It is [[[b]]].', 'contains', '[[[a]]]')).toBe(0);
    expect(stringCheck('x', '!=', 'y')).toBe(1);
  });

  test('api_endpoint urls may be the full chat URL, a /v1 base or a bare host', () => {
    expect(chatUrl('http://h:1/v1/chat/completions')).toBe('http://h:1/v1/chat/completions');
    expect(chatUrl('http://h:1/v1/')).toBe('http://h:1/v1/chat/completions');
    expect(chatUrl('http://h:1')).toBe('http://h:1/v1/chat/completions');
  });
});
