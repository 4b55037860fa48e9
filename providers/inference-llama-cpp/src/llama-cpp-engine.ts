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
import { JsonGrammars } from './llama-cpp-inference-tool-calls.js';
import { loadLlama, ModelSlot } from './llama-cpp-models.js';

export { releaseLlama } from './llama-cpp-models.js';

/** What a GGUF file says of its model (architecture metadata). */
export interface GgufModelInfo {
  embeddingLength: number | undefined;
  contextLength: number | undefined;
}

/** Reads a GGUF file's header (not its tensors). */
export async function readModelInfo(path: string): Promise<GgufModelInfo> {
  const info = await readGgufFileInfo(path, { readTensorInfo: false });
  const architecture = info.architectureMetadata as { embedding_length?: number; context_length?: number };
  return { embeddingLength: architecture.embedding_length, contextLength: architecture.context_length };
}

/** The chat, completions and embeddings collaborators over the provider's models. */
export function createEngine(runtime: LlamaCppRuntime) {
  return {
    chat: new LlamaCppChat(runtime, new JsonGrammars(runtime)),
    completions: new LlamaCppCompletions(runtime),
    embedder: new LlamaCppEmbeddings(runtime),
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
