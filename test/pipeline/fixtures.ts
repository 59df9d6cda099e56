import type { DataSplitConfig } from '../../config/schema';

// Builders for log records in the shape production logs have; each test changes what it needs.

let counter = 0;

export function toolRecord(
  user: string,
  call: { name: string; arguments: unknown; type?: string } = {
    name: 'get_order_status',
    arguments: { order_id: 'A-1' },
  },
  extra: { timestamp?: number | string; tools?: unknown[] | null; history?: unknown[] } = {},
) {
  counter++;
  return {
    timestamp: extra.timestamp ?? 1_767_000_000 + counter,
    workload_id: 'support',
    client_id: 'web',
    request: {
      model: 'm',
      messages: [
        { role: 'system', content: 'You are a support bot.' },
        ...(extra.history ?? []),
        { role: 'user', content: user },
      ],
      ...(extra.tools === null
        ? {}
        : {
            tools: extra.tools ?? [
              {
                type: 'function',
                function: {
                  name: call.name,
                  parameters: { type: 'object', properties: { order_id: { type: 'string' } } },
                },
              },
            ],
          }),
    },
    response: {
      choices: [
        {
          message: {
            role: 'assistant',
            content: 'calling',
            tool_calls: [
              {
                id: `call_${counter}`,
                type: call.type ?? 'function',
                function: { name: call.name, arguments: call.arguments },
              },
            ],
          },
        },
      ],
    },
  };
}

export function textRecord(user: string, answer: string | null, timestamp?: number | string) {
  counter++;
  return {
    timestamp: timestamp ?? 1_767_000_000 + counter,
    workload_id: 'faq',
    client_id: 'desk',
    request: { messages: [{ role: 'user', content: user }] },
    response: { choices: [{ message: { role: 'assistant', content: answer } }] },
  };
}

export const labelRecord = (headline: string, label: string) => textRecord(headline, `Reasoning. [[[${label}]]]`);

export function splitConfig(overrides: Partial<DataSplitConfig> = {}): DataSplitConfig {
  return {
    eval_size: 5,
    val_ratio: 0.1,
    min_total_records: 1,
    random_seed: 42,
    limit: 10_000,
    parse_function_arguments: true,
    ...overrides,
  };
}

/** Every item of an async iterable (Array.fromAsync is Node 22+). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
