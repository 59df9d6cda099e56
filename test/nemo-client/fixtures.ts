// Small OpenAI-format datasets for the client tests: eval lines are `{request, response}`
// (the logged production call), training lines are `{messages, tools}`.

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_stock_price',
      description: 'Latest price of a stock ticker',
      parameters: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] },
    },
  },
];

const CITIES = ['Paris', 'Lima', 'Oslo', 'Tokyo', 'Cairo', 'Quito', 'Perth', 'Seoul', 'Dakar', 'Porto'];
const TICKERS = ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'TSLA', 'META', 'INTC', 'ORCL', 'IBM', 'AMD'];

interface ToolCallRecord {
  request: { messages: { role: string; content: string }[]; tools: typeof TOOLS };
  response: {
    choices: {
      message: {
        role: 'assistant';
        content: null;
        tool_calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
      };
    }[];
  };
}

export function toolCallingRecords(count: number, offset = 0): ToolCallRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    const weather = i % 2 === 0;
    const subject = weather ? (CITIES[i % CITIES.length] as string) : (TICKERS[i % TICKERS.length] as string);
    const question = weather ? `What is the weather in ${subject} right now?` : `How much is ${subject} trading at?`;
    const call = weather
      ? { name: 'get_weather', arguments: JSON.stringify({ city: subject }) }
      : { name: 'get_stock_price', arguments: JSON.stringify({ ticker: subject }) };
    return {
      request: {
        messages: [
          { role: 'system', content: 'You are a helpful assistant with tools.' },
          { role: 'user', content: question },
        ],
        tools: TOOLS,
      },
      response: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: `call_${i}`, type: 'function', function: call }],
            },
          },
        ],
      },
    };
  });
}

/** Training lines: the request's messages followed by the reference answer. */
export const toTrainingLine = (r: ToolCallRecord) => ({
  messages: [...r.request.messages, r.response.choices[0]?.message],
  tools: r.request.tools,
});

export function textRecords(count: number, labelled: boolean) {
  return Array.from({ length: count }, (_, i) => {
    const positive = i % 2 === 0;
    const city = CITIES[i % CITIES.length];
    const question = positive ? `I loved my trip to ${city}!` : `My trip to ${city} was awful.`;
    const answer = labelled
      ? `[[[${positive ? 'positive' : 'negative'}]]]`
      : `${city} sounds ${positive ? 'wonderful' : 'disappointing'}.`;
    return {
      request: { messages: [{ role: 'user', content: question }] },
      response: { choices: [{ message: { role: 'assistant', content: answer } }] },
    };
  });
}

export const jsonl = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

/** A one-GPU LoRA SFT customization config for `target` (what the tests fine-tune with). */
export const loraConfig = (name: string, namespace: string, target: string, maxSeqLength = 2048) => ({
  name,
  namespace,
  target,
  training_options: [{ training_type: 'sft' as const, finetuning_type: 'lora' as const, num_gpus: 1 }],
  training_precision: 'bf16-mixed' as const,
  max_seq_length: maxSeqLength,
});

/** The smallest LoRA hyper-parameters a customization job accepts. */
export const loraHyperparameters = () => ({
  training_type: 'sft' as const,
  finetuning_type: 'lora' as const,
  epochs: 1,
  batch_size: 1,
  learning_rate: 0.0001,
  lora: { adapter_dim: 8, adapter_dropout: 0.1 },
});
