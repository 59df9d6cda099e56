import type { ResolvedWorkloadType } from '../contracts';
import type { ApiEndpoint, EvaluationConfig } from './evaluator';

// The inline Evaluator config per workload type. The ground truth is the production model's
// logged answer (`item.response`); the candidate's answer is `sample`.

type Task = EvaluationConfig['tasks'][string];

export type EvaluatedWorkload = ResolvedWorkloadType;

/** Where each workload's scores live in the results: task, metric and score names. */
export const EVALUATION_LAYOUT = {
  tool_calling: { task: 'custom-tool-calling', accuracyMetric: 'tool-calling-accuracy', judgeMetric: 'correctness' },
  generic: { task: 'llm-as-judge', judgeMetric: 'llm-judge' },
  classification: { task: 'custom-classification', labelMetric: 'label-match', labelScore: 'string-check' },
} as const;

/** Parses the judge's verdict; lenient about the space after the colon. */
export const RATING_PATTERN = 'RATING:\\s*(\\d+)';
/** Labels are written `[[[label]]]` in both the reference and the answer. */
export const LABEL_PATTERN = '\\[\\[\\[(.*?)\\]\\]\\]';

const REFERENCE_TOOL_CALLS = '{{ item.response.choices[0].message.tool_calls | tojson }}';
const CANDIDATE_TOOL_CALLS = '{{ sample.response.choices[0].message.tool_calls | tojson }}';
const REFERENCE_TEXT = '{{ item.response.choices[0].message.content }}';
const CANDIDATE_TEXT = '{{ sample.output_text }}';
const REQUEST_MESSAGES = '{{ item.request.messages | tojson }}';

const TOOL_JUDGE_SYSTEM = [
  'You grade function calls made by an assistant against the calls a trusted reference made for the same conversation.',
  'The candidate is correct only when it calls the same functions with the same names,',
  'its arguments are valid JSON, every argument of the reference is present,',
  'identifier-like values (ids, codes, numbers, enum values) are equal,',
  'and free-text values say the same thing even if worded differently.',
  'Anything else, including no call at all, is incorrect.',
  'Reply with "RATING: 1" for correct or "RATING: 0" for incorrect, then one sentence saying why.',
].join(' ');

const SIMILARITY_JUDGE_SYSTEM = [
  'You compare an assistant answer (the candidate) with a trusted reference answer to the same conversation.',
  'Rate how closely the candidate matches the meaning of the reference on a scale from 1 to 10:',
  '10 means the same meaning, 5 means partly the same, 1 means unrelated, wrong or empty.',
  'Judge meaning, not wording or length. Reply with "RATING: n" where n is the integer rating.',
].join(' ');

const judgeMetric = (judge: ApiEndpoint, system: string, user: string, score: string) => ({
  type: 'llm-judge',
  params: {
    model: { api_endpoint: judge },
    template: {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
    },
    scores: { [score]: { type: 'int', parser: { type: 'regex', pattern: RATING_PATTERN } } },
  },
});

export function buildEvaluationConfig(input: {
  workloadType: EvaluatedWorkload;
  filesUrl: string;
  limit?: number;
  judge: ApiEndpoint;
}): EvaluationConfig {
  const dataset = { files_url: input.filesUrl, ...(input.limit === undefined ? {} : { limit: input.limit }) };
  const chatTask = (
    task: string,
    template: Task['params']['template'],
    metrics: Task['metrics'],
  ): EvaluationConfig => ({
    type: 'custom',
    tasks: { [task]: { type: 'chat-completion', dataset, params: { template }, metrics } },
  });
  switch (input.workloadType) {
    case 'tool_calling': {
      const layout = EVALUATION_LAYOUT.tool_calling;
      return chatTask(
        layout.task,
        { messages: REQUEST_MESSAGES, tools: '{{ item.request.tools | tojson }}', tool_choice: 'required' },
        {
          [layout.accuracyMetric]: { type: 'tool-calling', params: { tool_calls_ground_truth: REFERENCE_TOOL_CALLS } },
          [layout.judgeMetric]: judgeMetric(
            input.judge,
            TOOL_JUDGE_SYSTEM,
            `<reference>${REFERENCE_TOOL_CALLS}</reference>\n<candidate>${CANDIDATE_TOOL_CALLS}</candidate>`,
            'correctness',
          ),
        },
      );
    }
    case 'generic': {
      const layout = EVALUATION_LAYOUT.generic;
      return chatTask(
        layout.task,
        { messages: REQUEST_MESSAGES },
        {
          [layout.judgeMetric]: judgeMetric(
            input.judge,
            SIMILARITY_JUDGE_SYSTEM,
            `<reference>${REFERENCE_TEXT}</reference>\n<candidate>${CANDIDATE_TEXT}</candidate>`,
            'similarity',
          ),
        },
      );
    }
    case 'classification': {
      // The Evaluator documents no classification F1 (its `f1` is token overlap). It scores
      // each answer with the documented string-check; macro F1 over the labels is computed by
      // Flywheel from the per-sample outputs in the results archive (evaluation-scores.ts).
      const layout = EVALUATION_LAYOUT.classification;
      return chatTask(
        layout.task,
        { messages: REQUEST_MESSAGES },
        {
          [layout.labelMetric]: {
            type: 'string-check',
            params: { check: [`${CANDIDATE_TEXT}`, 'contains', `${REFERENCE_TEXT}`] },
          },
        },
      );
    }
  }
}
