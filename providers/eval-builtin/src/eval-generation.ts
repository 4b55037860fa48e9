import {
  type AgentCandidate,
  type AgentSamplingParams,
  type ChatMessage,
  type DatasetRow,
  type EvalSystemMessage,
  InvalidRequestError,
  type ModelCandidate,
} from '@cria/api';

/** What a row asks the candidate: a chat (system and conversation messages) or a plain completion prompt. */
export type GenerationInput = { kind: 'chat'; system: string[]; messages: { role: 'user' | 'assistant'; content: string }[] } | { kind: 'completion'; prompt: string };

/** Text of a message content: a string, a content part, or a list of them (their text parts joined). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(contentText).join('');
  if (content && typeof content === 'object' && typeof (content as { text?: unknown }).text === 'string') return (content as { text: string }).text;
  return '';
}

/** A column Llama Stack stores as JSON text (or given already parsed). */
function parsedColumn(value: unknown, param: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidRequestError(`${param} must be JSON text (as Llama Stack's datasets store it).`, { param });
  }
}

/**
 * What a row asks, read as Llama Stack's meta-reference eval reads it: `completion_input` (a JSON
 * prompt, or plain text), else `chat_completion_input` (JSON messages; system messages first, then
 * the conversation), else `input_query` (one user message).
 */
export function generationInput(row: DatasetRow, index: number): GenerationInput {
  const at = `input_rows[${index}]`;
  if (row.completion_input !== undefined && row.completion_input !== null) {
    const raw = row.completion_input;
    let prompt: unknown = raw;
    if (typeof raw === 'string') {
      try {
        prompt = JSON.parse(raw);
      } catch {
        prompt = raw;
      }
    }
    return { kind: 'completion', prompt: typeof prompt === 'string' ? prompt : contentText(prompt) || JSON.stringify(prompt) };
  }
  if (row.chat_completion_input !== undefined && row.chat_completion_input !== null) {
    const param = `${at}.chat_completion_input`;
    const messages = parsedColumn(row.chat_completion_input, param);
    if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError(`${param} must be a non-empty list of messages.`, { param });
    const system: string[] = [];
    const conversation: { role: 'user' | 'assistant'; content: string }[] = [];
    for (const [position, message] of messages.entries()) {
      const role = (message as { role?: unknown } | null)?.role;
      const content = contentText((message as { content?: unknown }).content);
      if (role === 'system') system.push(content);
      else if (role === 'user' || role === 'assistant') conversation.push({ role, content });
      else throw new InvalidRequestError(`${param}[${position}].role must be system, user or assistant.`, { param: `${param}[${position}].role` });
    }
    if (!conversation.some((message) => message.role === 'user')) throw new InvalidRequestError(`${param} has no user message.`, { param });
    return { kind: 'chat', system, messages: conversation };
  }
  if (typeof row.input_query === 'string') return { kind: 'chat', system: [], messages: [{ role: 'user', content: row.input_query }] };
  throw new InvalidRequestError(`${at} has nothing to answer: it needs a chat_completion_input, completion_input or input_query column.`, { param: at });
}

/** A model candidate's sampling params as OpenAI request fields. */
export function samplingFields(params: AgentSamplingParams | undefined): { max_tokens?: number; stop?: string[]; temperature?: number; top_p?: number } {
  const fields: { max_tokens?: number; stop?: string[]; temperature?: number; top_p?: number } = {};
  if (params?.max_tokens) fields.max_tokens = params.max_tokens;
  if (params?.stop?.length) fields.stop = params.stop;
  const strategy = params?.strategy;
  if (strategy?.type === 'greedy') fields.temperature = 0;
  if (strategy?.type === 'top_p') {
    if (strategy.temperature !== undefined) fields.temperature = strategy.temperature;
    if (strategy.top_p !== undefined) fields.top_p = strategy.top_p;
  }
  return fields;
}

/** The chat messages of a model candidate's request: its system message, the row's system messages, then the conversation. */
export function chatMessages(candidate: ModelCandidate, input: Extract<GenerationInput, { kind: 'chat' }>): ChatMessage[] {
  const system = candidate.system_message ? [contentText((candidate.system_message as EvalSystemMessage).content)] : [];
  return [...[...system, ...input.system].map((content): ChatMessage => ({ role: 'system', content })), ...input.messages.map((message): ChatMessage => ({ ...message }))];
}

export function isAgentCandidate(candidate: ModelCandidate | AgentCandidate): candidate is AgentCandidate {
  return candidate.type === 'agent';
}
