import type { ResolvedWorkloadType } from '../contracts';
import type { ChatMessage, LogRecord, ToolCall } from './log-record';
import { responseMessage } from './log-record';

// Rows in the formats NeMo Evaluator and Customizer read. Pure: they copy, never mutate, so
// the same record can still serve as an ICL example afterwards (an upstream bug).

export interface TrainingRow {
  messages: ChatMessage[];
  tools?: unknown[];
}

export interface EvalRow {
  timestamp: LogRecord['timestamp'];
  workload_id: string;
  client_id: string;
  request: LogRecord['request'];
  response: LogRecord['response'];
}

function argumentsAsObject(call: ToolCall): ToolCall {
  const args = call.function.arguments;
  if (typeof args !== 'string') return call;
  try {
    const parsed = JSON.parse(args);
    return parsed && typeof parsed === 'object' ? { ...call, function: { ...call.function, arguments: parsed } } : call;
  } catch {
    return call;
  }
}

function argumentsAsString(call: ToolCall): ToolCall {
  const args = call.function.arguments;
  return typeof args === 'string' ? call : { ...call, function: { ...call.function, arguments: JSON.stringify(args) } };
}

function mapToolCalls(message: ChatMessage, map: (c: ToolCall) => ToolCall): ChatMessage {
  return message.tool_calls ? { ...message, tool_calls: message.tool_calls.map(map) } : message;
}

/**
 * A Customizer SFT row: the request's messages followed by the response message. Assistant
 * messages without content get "", tool-call arguments are objects, and tool-calling rows
 * carry the request's tools with the response content emptied.
 */
export function toTrainingRow(record: LogRecord, type: ResolvedWorkloadType): TrainingRow {
  const history = record.request.messages.map((m) => {
    const withCalls = mapToolCalls(m, argumentsAsObject);
    return m.role === 'assistant' && (m.content === null || m.content === undefined)
      ? { ...withCalls, content: '' }
      : withCalls;
  });
  const answer = responseMessage(record);
  const calls =
    answer.tool_calls && answer.tool_calls.length > 0 ? answer.tool_calls.map(argumentsAsObject) : undefined;
  const content =
    type === 'tool_calling' || answer.content === null || answer.content === undefined ? '' : answer.content;
  const reply: ChatMessage = { role: 'assistant', content, ...(calls ? { tool_calls: calls } : {}) };
  const tools = record.request.tools;
  return { messages: [...history, reply], ...(tools && tools.length > 0 ? { tools } : {}) };
}

/**
 * An Evaluator row: the whole record, with history tool-call arguments as JSON strings (as
 * the OpenAI API takes them when the request is replayed) and response arguments as parsed
 * objects (the ground truth the tool-calling metrics compare against).
 */
export function toEvalRow(record: LogRecord): EvalRow {
  return {
    timestamp: record.timestamp,
    workload_id: record.workload_id,
    client_id: record.client_id,
    request: { ...record.request, messages: record.request.messages.map((m) => mapToolCalls(m, argumentsAsString)) },
    response: {
      ...record.response,
      choices: record.response.choices.map((c) => ({ ...c, message: mapToolCalls(c.message, argumentsAsObject) })),
    },
  };
}
