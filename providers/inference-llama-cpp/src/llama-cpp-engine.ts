/**
 * What needs node-llama-cpp, imported on first use: importing the binding's JavaScript costs
 * more than the rest of the server's start-up, and a server whose models are not downloaded yet
 * never needs it.
 */
import { readGgufFileInfo } from 'node-llama-cpp';
import type { ModelType, ProviderContext } from '@cria/api';
import type { LlamaCppSettings } from './llama-cpp-config.js';
import { LlamaCppChat } from './llama-cpp-inference-chat.js';
import type { LlamaCppRuntime } from './llama-cpp-inference-common.js';
import { LlamaCppCompletions } from './llama-cpp-inference-completions.js';
import { LlamaCppEmbeddings } from './llama-cpp-inference-embeddings.js';
import { LlamaCppReranker } from './llama-cpp-inference-rerank.js';
import { JsonGrammars } from './llama-cpp-inference-tool-calls.js';
import { loadLlama, ModelSlot } from './llama-cpp-models.js';

export { releaseLlama } from './llama-cpp-models.js';

/** What a GGUF file says of its model (architecture metadata). */
export interface GgufModelInfo {
  embeddingLength: number | undefined;
  contextLength: number | undefined;
  /** With `tensors`: whether the model has the classification head llama.cpp ranks with. */
  hasRankHead?: boolean;
}

/** Reads a GGUF file's header; its tensor list too with `tensors` (to tell a reranker). */
export async function readModelInfo(path: string, options: { tensors?: boolean } = {}): Promise<GgufModelInfo> {
  const info = await readGgufFileInfo(path, { readTensorInfo: options.tensors ?? false });
  const architecture = info.architectureMetadata as { embedding_length?: number; context_length?: number };
  const read: GgufModelInfo = { embeddingLength: architecture.embedding_length, contextLength: architecture.context_length };
  if (options.tensors) read.hasRankHead = (info.fullTensorInfo ?? []).some((tensor) => tensor.name === 'cls.weight' || tensor.name === 'cls.output.weight');
  return read;
}

/** The chat, completions, embeddings and rerank collaborators over the provider's models. */
export function createEngine(runtime: LlamaCppRuntime) {
  return {
    chat: new LlamaCppChat(runtime, new JsonGrammars(runtime)),
    completions: new LlamaCppCompletions(runtime),
    embedder: new LlamaCppEmbeddings(runtime),
    reranker: new LlamaCppReranker(runtime),
  };
}

export type LlamaCppEngine = ReturnType<typeof createEngine>;

export function createModelSlot(id: string, path: string, type: ModelType, settings: LlamaCppSettings, context: Pick<ProviderContext, 'logger'>): ModelSlot {
  return new ModelSlot(id, path, type, settings, context);
}

export async function llamaBackend(settings: LlamaCppSettings, context: Pick<ProviderContext, 'logger'>): Promise<string> {
  const llama = await loadLlama(settings, context);
  return llama.gpu === false ? 'CPU' : llama.gpu;
}
