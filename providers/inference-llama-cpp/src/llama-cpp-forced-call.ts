import {
  ChatWrapper,
  type ChatHistoryItem,
  type ChatModelFunctionCall,
  type ChatModelFunctions,
  type ChatModelResponse,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
  type ChatWrapperGenerateInitialHistoryOptions,
  type ChatWrapperSettings,
  LlamaText,
} from 'node-llama-cpp';

/**
 * The model's own chat wrapper, made to call a function as the first thing of its response
 * (OpenAI's tool_choice `required` or a named function). node-llama-cpp enters function-calling
 * mode when the rendered context asks for it with a `functionCall` no-prefix trigger: the call
 * prefix of the model's own syntax is injected and the function name and parameters are then
 * generated under their grammars, so the call always parses.
 */
export class ForcedFunctionCallChatWrapper extends ChatWrapper {
  readonly wrapperName: string;
  override readonly settings: ChatWrapperSettings;

  constructor(private readonly inner: ChatWrapper) {
    super();
    this.wrapperName = inner.wrapperName;
    this.settings = inner.settings;
  }

  override generateContextState(options: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState {
    const state = this.inner.generateContextState(options);
    if (!options.availableFunctions || Object.keys(options.availableFunctions).length === 0) return state;
    if (state.functionCall) return { ...state, functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] } };
    const functions = this.settings.functions;
    return {
      contextText: state.contextText,
      stopGenerationTriggers: state.stopGenerationTriggers,
      ...(state.rerender ? { rerender: state.rerender } : {}),
      noPrefixTrigger: { type: 'functionCall', inject: LlamaText([functions.parallelism?.call.sectionPrefix ?? '', functions.call.prefix]) },
      detectFunctionCalls: true,
    };
  }

  override generateFunctionCallsAndResults(functionCalls: ChatModelFunctionCall[], useRawCall?: boolean): LlamaText {
    return this.inner.generateFunctionCallsAndResults(functionCalls, useRawCall);
  }

  override generateFunctionCall(name: string, params: unknown): LlamaText {
    return this.inner.generateFunctionCall(name, params);
  }

  override generateFunctionCallResult(functionName: string, functionParams: unknown, result: unknown): LlamaText {
    return this.inner.generateFunctionCallResult(functionName, functionParams, result);
  }

  override generateModelResponseText(modelResponse: ChatModelResponse['response'], useRawValues?: boolean): LlamaText {
    return this.inner.generateModelResponseText(modelResponse, useRawValues);
  }

  override generateAvailableFunctionsSystemText(availableFunctions: ChatModelFunctions, options: { documentParams?: boolean }): LlamaText {
    return this.inner.generateAvailableFunctionsSystemText(availableFunctions, options);
  }

  override addAvailableFunctionsSystemMessageToHistory(history: readonly ChatHistoryItem[], availableFunctions?: ChatModelFunctions, options?: { documentParams?: boolean }): readonly ChatHistoryItem[] {
    return this.inner.addAvailableFunctionsSystemMessageToHistory(history, availableFunctions, options);
  }

  override generateInitialChatHistory(options?: ChatWrapperGenerateInitialHistoryOptions): ChatHistoryItem[] {
    return this.inner.generateInitialChatHistory(options);
  }
}
