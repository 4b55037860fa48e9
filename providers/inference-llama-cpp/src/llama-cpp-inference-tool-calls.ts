import { type ChatToolCall, InvalidRequestError } from '@cria/api';
import type { LlamaChatResponseFunctionCallParamsChunk, LlamaGrammar } from 'node-llama-cpp';
import { newId, type LlamaCppRuntime } from './llama-cpp-inference-common.js';
import { loadLlama } from './llama-cpp-models.js';

const GRAMMAR_CACHE_SIZE = 64;

/** What a stream sees of the tool calls of one choice as they are generated. */
export interface ToolCallCallbacks {
  onToolCallStart?: (index: number, id: string, name: string) => void;
  onToolCallArguments?: (index: number, text: string) => void;
}

/** JSON grammars (for tool parameters and `response_format`), compiled once per distinct schema. */
export class JsonGrammars {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly runtime: Pick<LlamaCppRuntime, 'settings' | 'context'>) {}

  /** A grammar for a JSON schema; a schema no grammar can enforce is a 400 naming `param`. */
  async forSchema(schema: unknown, param: string): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama().then((llama) => llama.createGrammarForJsonSchema(schema as never));
      grammar.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= GRAMMAR_CACHE_SIZE) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, grammar);
    }
    try {
      return await grammar;
    } catch (error) {
      throw new InvalidRequestError(`This JSON schema cannot be enforced by grammar: ${(error as Error).message}`, { param });
    }
  }

  /** The grammar of any JSON value. */
  async anyJson(): Promise<LlamaGrammar> {
    return (await this.llama()).getGrammarFor('json');
  }

  private llama() {
    return loadLlama(this.runtime.settings, this.runtime.context);
  }
}

/**
 * The tool calls of one choice: ids given as each call starts streaming, its arguments passed on
 * as they come, and OpenAI's tool_calls made from what the model called in the end.
 */
export class ToolCallStream {
  private readonly callIds: string[] = [];
  private readonly argumentsSeen: string[] = [];

  constructor(private readonly callbacks: ToolCallCallbacks) {}

  /** node-llama-cpp's `onFunctionCallParamsChunk`. */
  readonly onParamsChunk = (chunk: LlamaChatResponseFunctionCallParamsChunk): void => {
    if (this.callIds[chunk.callIndex] === undefined) {
      this.callIds[chunk.callIndex] = newId('call');
      this.argumentsSeen[chunk.callIndex] = '';
      this.callbacks.onToolCallStart?.(chunk.callIndex, this.callIds[chunk.callIndex]!, chunk.functionName);
    }
    if (chunk.paramsChunk) {
      this.argumentsSeen[chunk.callIndex] += chunk.paramsChunk;
      this.callbacks.onToolCallArguments?.(chunk.callIndex, chunk.paramsChunk);
    }
  };

  /** The calls the model made, with the ids they streamed under. */
  finish(calls: readonly { functionName: string; params?: unknown }[]): ChatToolCall[] {
    const { callbacks } = this;
    return calls.map((call, callIndex) => {
      const id = this.callIds[callIndex] ?? newId('call');
      const args = JSON.stringify(call.params ?? {});
      // A function without parameters streams no arguments: send the `{}` a client will parse.
      if (callbacks.onToolCallStart && this.callIds[callIndex] === undefined) callbacks.onToolCallStart(callIndex, id, call.functionName);
      if (callbacks.onToolCallArguments && !this.argumentsSeen[callIndex]?.trim()) callbacks.onToolCallArguments(callIndex, args);
      return { id, type: 'function', function: { name: call.functionName, arguments: args } };
    });
  }
}
