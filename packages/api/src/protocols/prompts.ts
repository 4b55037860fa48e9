import type { CreatePromptRequest, ListPromptsResponse, Prompt, SetDefaultVersionRequest, UpdatePromptRequest } from '../generated/api-types.js';

/**
 * The prompts API's router (Llama Stack's Prompts, served by the core): versioned prompt
 * templates kept in the distribution's `prompts` kv store.
 */
export interface PromptsApi {
  /** The default version of every prompt. */
  listPrompts(): Promise<ListPromptsResponse>;
  /** Every version of one prompt, oldest first. */
  listPromptVersions(promptId: string): Promise<ListPromptsResponse>;
  /** One version of a prompt, or its default version when `version` is absent (or 0). */
  getPrompt(promptId: string, version?: number | null): Promise<Prompt>;
  createPrompt(request: CreatePromptRequest): Promise<Prompt>;
  /** Makes the next version from the latest one (`request.version` must be the latest). */
  updatePrompt(promptId: string, request: UpdatePromptRequest): Promise<Prompt>;
  /** Deletes every version of a prompt. */
  deletePrompt(promptId: string): Promise<void>;
  setDefaultVersion(promptId: string, request: SetDefaultVersionRequest): Promise<Prompt>;
}
