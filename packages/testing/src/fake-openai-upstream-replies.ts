/**
 * What the fake OpenAI upstream answers: deterministic chat completions (tool calls, structured
 * output, n, stop, max_tokens, logprobs), completions and embeddings, whole or as stream chunks.
 */

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part?.type === 'text' ? part.text : '')).filter(Boolean).join(' ');
  return '';
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function countTokens(messages: any[]): number {
  let count = 0;
  for (const message of messages ?? []) count += words(textOf(message?.content)).length + 1;
  return count;
}

/** A small, valid, deterministic instance of a JSON Schema. */
export function exampleFromSchema(schema: any, name = 'value', root: any = schema): unknown {
  if (!schema || typeof schema !== 'object') return name;
  if (schema.$ref && typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce((node: any, key: string) => node?.[key], root);
    return exampleFromSchema(target, name, root);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.anyOf || schema.oneOf) return exampleFromSchema((schema.anyOf ?? schema.oneOf)[0], name, root);
  const type = Array.isArray(schema.type) ? schema.type.find((entry: string) => entry !== 'null') : schema.type;
  switch (type) {
    case 'object':
    case undefined: {
      if (!schema.properties) return type === 'object' ? {} : name;
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties)) result[key] = exampleFromSchema(property, key, root);
      return result;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleFromSchema(schema.items, name, root));
    case 'integer':
      return Math.max(schema.minimum ?? 0, 1);
    case 'number':
      return Math.max(schema.minimum ?? 0, 1.5);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      if (schema.format === 'date') return '2024-01-01';
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      return `${name}-example`;
    }
  }
}

/** A unit vector that depends only on the text. */
export function fakeEmbedding(text: string, dimension: number): number[] {
  let seed = 2166136261;
  for (let index = 0; index < text.length; index++) seed = Math.imul(seed ^ text.charCodeAt(index), 16777619) >>> 0;
  const vector: number[] = [];
  let norm = 0;
  for (let index = 0; index < dimension; index++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const value = seed / 4294967296 - 0.5;
    vector.push(value);
    norm += value * value;
  }
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

interface PlannedChoice {
  content: string | null;
  toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  completionTokens: number;
}

/** Builds the fake upstream's replies; ids count up per upstream. */
export class FakeReplies {
  private counter = 0;

  /** `reply`: the text the assistant answers; default `Echo: <last user text>`. */
  constructor(private readonly reply?: (request: Record<string, any>) => string) {}

  private replyText(body: any): string {
    if (this.reply) return this.reply(body);
    const messages: any[] = body.messages ?? [];
    const last = [...messages].reverse().find((message) => message.role === 'user');
    const images = Array.isArray(last?.content) ? last.content.filter((part: any) => part?.type === 'image_url').length : 0;
    const prefix = images ? `I see ${images} image${images > 1 ? 's' : ''}. ` : '';
    return `${prefix}Echo: ${textOf(last?.content) || 'nothing'}`;
  }

  /** Decides what each choice says, applying tools, structured output, stop and max_tokens. */
  private plan(body: any): PlannedChoice[] {
    const n = body.n ?? 1;
    const tools: any[] = body.tools ?? [];
    const toolChoice = body.tool_choice ?? 'auto';
    const messages: any[] = body.messages ?? [];
    const last = messages.at(-1);
    const choices: PlannedChoice[] = [];
    for (let index = 0; index < n; index++) {
      let tool: any;
      if (tools.length && toolChoice !== 'none') {
        if (typeof toolChoice === 'object' && toolChoice.function?.name) tool = tools.find((candidate) => candidate.function?.name === toolChoice.function.name);
        else if (toolChoice === 'required' || last?.role !== 'tool') {
          const text = textOf(last?.content).toLowerCase();
          tool = tools.find((candidate) => text.includes(String(candidate.function?.name).toLowerCase())) ?? tools[0];
        }
      }
      if (tool) {
        const args = JSON.stringify(exampleFromSchema(tool.function.parameters ?? { type: 'object', properties: {} }));
        choices.push({
          content: null,
          toolCalls: [{ id: `call_fake_${++this.counter}_${index}`, type: 'function', function: { name: tool.function.name, arguments: args } }],
          finishReason: 'tool_calls',
          completionTokens: words(args).length + 1,
        });
        continue;
      }
      let text: string;
      const format = body.response_format;
      if (format?.type === 'json_schema') text = JSON.stringify(exampleFromSchema(format.json_schema?.schema ?? {}));
      else if (format?.type === 'json_object') text = JSON.stringify({ response: this.replyText(body) });
      else if (last?.role === 'tool') text = `The tool said: ${textOf(last.content)}`;
      else text = this.replyText(body);
      let finishReason: PlannedChoice['finishReason'] = 'stop';
      const stops: string[] = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? []);
      for (const stop of stops) {
        const at = text.indexOf(stop);
        if (at !== -1) text = text.slice(0, at);
      }
      const limit = body.max_completion_tokens ?? body.max_tokens;
      let tokens = words(text);
      if (limit && tokens.length > limit) {
        tokens = tokens.slice(0, limit);
        text = tokens.join(' ');
        finishReason = 'length';
      }
      choices.push({ content: text, toolCalls: [], finishReason, completionTokens: tokens.length });
    }
    return choices;
  }

  private logprobs(text: string, top: number): { content: unknown[] } {
    return {
      content: words(text).map((token, index) => ({
        token,
        logprob: -0.01 * (index + 1),
        bytes: [...Buffer.from(token)],
        top_logprobs: Array.from({ length: top }, (_, rank) => ({ token: rank === 0 ? token : `${token}${rank}`, logprob: -0.01 * (index + 1) - rank, bytes: null })),
      })),
    };
  }

  private usage(body: any, choices: PlannedChoice[]) {
    const prompt = countTokens(body.messages ?? [{ content: String(body.prompt ?? '') }]);
    const completion = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  /** A chat completion. */
  chat(body: any) {
    const choices = this.plan(body);
    return {
      id: `chatcmpl-fake-${++this.counter}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: choices.map((choice, index) => ({
        index,
        message: { role: 'assistant', content: choice.content, ...(choice.toolCalls.length ? { tool_calls: choice.toolCalls } : {}), refusal: null },
        finish_reason: choice.finishReason,
        logprobs: body.logprobs && choice.content ? this.logprobs(choice.content, body.top_logprobs ?? 0) : null,
      })),
      usage: this.usage(body, choices),
    };
  }

  /** The chunks of a streamed chat completion. */
  chatEvents(body: any): unknown[] {
    const choices = this.plan(body);
    const id = `chatcmpl-fake-${++this.counter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (choiceDeltas: unknown[], extra: Record<string, unknown> = {}) => ({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: 'fp_fake', choices: choiceDeltas, ...extra });
    const events: unknown[] = [];
    choices.forEach((choice, index) => {
      events.push(chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]));
      if (choice.toolCalls.length) {
        choice.toolCalls.forEach((call, callIndex) => {
          events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }]));
          const half = Math.ceil(call.function.arguments.length / 2);
          for (const piece of [call.function.arguments.slice(0, half), call.function.arguments.slice(half)]) {
            if (piece) events.push(chunk([{ index, delta: { tool_calls: [{ index: callIndex, function: { arguments: piece } }] }, finish_reason: null }]));
          }
        });
      } else {
        words(choice.content ?? '').forEach((word, position) => {
          const token = position === 0 ? word : ` ${word}`;
          events.push(chunk([{ index, delta: { content: token }, finish_reason: null, logprobs: body.logprobs ? this.logprobs(word, body.top_logprobs ?? 0) : null }]));
        });
      }
      events.push(chunk([{ index, delta: {}, finish_reason: choice.finishReason, logprobs: null }]));
    });
    if (body.stream_options?.include_usage) events.push(chunk([], { usage: this.usage(body, choices) }));
    return events;
  }

  /** A (legacy) completion. */
  completion(body: any) {
    const prompts: string[] = Array.isArray(body.prompt) ? body.prompt.map(String) : [String(body.prompt ?? '')];
    const choices = prompts.map((prompt, index) => {
      const planned = this.plan({ ...body, n: 1, tools: undefined, response_format: undefined, messages: [{ role: 'user', content: prompt }] })[0]!;
      const text = `${body.echo ? prompt : ''}${planned.content}`;
      return { planned, choice: { index, text, finish_reason: planned.finishReason, logprobs: null } };
    });
    return {
      id: `cmpl-fake-${++this.counter}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: choices.map((entry) => entry.choice),
      usage: this.usage({ prompt: prompts.join(' ') }, choices.map((entry) => entry.planned)),
    };
  }

  /** The chunks of a streamed completion. */
  completionEvents(body: any): unknown[] {
    const whole = this.completion(body);
    const events: unknown[] = [];
    for (const choice of whole.choices) {
      words(choice.text).forEach((word, position) => {
        events.push({ ...whole, choices: [{ index: choice.index, text: position === 0 ? word : ` ${word}`, finish_reason: null, logprobs: null }], usage: null });
      });
      events.push({ ...whole, choices: [{ index: choice.index, text: '', finish_reason: choice.finish_reason, logprobs: null }], usage: null });
    }
    if (body.stream_options?.include_usage) events.push({ ...whole, choices: [], usage: whole.usage });
    return events;
  }

  /** Embeddings of the inputs: `fakeEmbedding` of each, `dimension` long unless the request sets `dimensions`. */
  embeddings(body: any, dimension: number) {
    const inputs: unknown[] = Array.isArray(body.input) ? (body.input.every((entry: unknown) => typeof entry === 'number') ? [body.input] : body.input) : [body.input];
    const size = body.dimensions ?? dimension;
    let tokens = 0;
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      tokens += words(text).length;
      const vector = fakeEmbedding(text, size);
      return {
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      };
    });
    return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
}
