// Evaluator job configs as Flywheel sends them (tool calling, classification, generic Q&A).

export const JUDGE = 'meta/llama-3.3-70b-instruct';

const judgeModel = (url: string) => ({ api_endpoint: { url: `${url}/v1/chat/completions`, model_id: JUDGE } });

export function toolCallingConfig(filesUrl: string, judgeUrl: string, limit?: number) {
  return {
    type: 'custom',
    tasks: {
      'custom-tool-calling': {
        type: 'chat-completion',
        dataset: { files_url: filesUrl, ...(limit ? { limit } : {}) },
        params: {
          template: {
            messages: '{{ item.request.messages | tojson }}',
            tools: '{{ item.request.tools | tojson }}',
            tool_choice: 'required',
          },
        },
        metrics: {
          'tool-calling-accuracy': {
            type: 'tool-calling',
            params: { tool_calls_ground_truth: '{{ item.response.choices[0].message.tool_calls | tojson }}' },
          },
          correctness: {
            type: 'llm-judge',
            params: {
              model: judgeModel(judgeUrl),
              template: {
                messages: [
                  {
                    role: 'system',
                    content:
                      'You judge whether a predicted tool call is correct: same function name and every ground-truth argument present with the right value. Reply "RATING: 1" if correct, "RATING: 0" if not, then explain.',
                  },
                  {
                    role: 'user',
                    content:
                      '<reference>{{ item.response.choices[0].message.tool_calls | tojson }}</reference>\n<candidate>{{ sample.response.choices[0].message.tool_calls | tojson }}</candidate>',
                  },
                ],
              },
              scores: { rating: { type: 'int', parser: { type: 'regex', pattern: 'RATING:\\s*(\\d+)' } } },
            },
          },
        },
      },
    },
  };
}

export function classificationConfig(filesUrl: string, limit?: number) {
  return {
    type: 'custom',
    tasks: {
      classification: {
        type: 'chat-completion',
        dataset: { files_url: filesUrl, ...(limit ? { limit } : {}) },
        params: { template: { messages: '{{ item.request.messages | tojson }}', max_tokens: 64 } },
        metrics: {
          'label-match': {
            type: 'string-check',
            params: {
              check: ['{{ sample.output_text }}', 'contains', '{{ item.response.choices[0].message.content }}'],
            },
          },
        },
      },
    },
  };
}

export function similarityConfig(filesUrl: string, judgeUrl: string) {
  return {
    type: 'custom',
    tasks: {
      'llm-as-judge': {
        type: 'chat-completion',
        dataset: { files_url: filesUrl },
        params: { template: { messages: '{{ item.request.messages | tojson }}' } },
        metrics: {
          'llm-judge': {
            type: 'llm-judge',
            params: {
              model: judgeModel(judgeUrl),
              template: {
                messages: [
                  {
                    role: 'system',
                    content: 'Rate how similar the candidate is to the reference on a scale from 1 to 10.',
                  },
                  {
                    role: 'user',
                    content:
                      '<reference>{{ item.response.choices[0].message.content }}</reference>\n<candidate>{{ sample.output_text }}</candidate>\nAnswer "RATING: n".',
                  },
                ],
              },
              scores: { similarity: { type: 'int', parser: { type: 'regex', pattern: 'RATING: (\\d+)' } } },
            },
          },
        },
      },
    },
  };
}

type Results = { tasks: Record<string, { metrics: Record<string, { scores: Record<string, { value: number }> }> }> };

export function score(results: Results, task: string, metric: string, name: string): number {
  const value = results.tasks[task]?.metrics[metric]?.scores[name]?.value;
  if (typeof value !== 'number') throw new Error(`no score ${task}.${metric}.${name} in ${JSON.stringify(results)}`);
  return value;
}
