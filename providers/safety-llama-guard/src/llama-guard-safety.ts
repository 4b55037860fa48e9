import {
  type ChatMessage,
  type ChatMessageUser,
  type InferenceApi,
  InvalidRequestError,
  type ModerationInput,
  type ModerationResult,
  NotFoundError,
  type ProviderContext,
  type RequestContext,
  type RunShieldResponse,
  type SafetyProvider,
  type ShieldResource,
  UnavailableError,
  UpstreamError,
} from '@cria/api';
import { categoriesForModel, isVisionModel, type LlamaGuardCode } from './llama-guard-categories.js';
import type { LlamaGuardConfig } from './llama-guard-config.js';
import { moderationResult } from './llama-guard-moderation.js';
import { buildLlamaGuardPrompt, buildVisionInput, type LlamaGuardPromptOptions, prepareConversation } from './llama-guard-prompt.js';
import { type LlamaGuardVerdict, parseLlamaGuardReply, violatedCodes, violationFor } from './llama-guard-reply.js';

/**
 * The `inline::llama-guard` safety provider: a shield's `provider_resource_id` names a Llama Guard
 * model served by the inference API, asked with Llama Stack's prompt at temperature 0.
 */
export class LlamaGuardSafety implements SafetyProvider {
  private readonly excludedCategories: readonly LlamaGuardCode[];

  constructor(
    config: LlamaGuardConfig,
    private readonly inference: InferenceApi,
    private readonly providerId: string,
  ) {
    this.excludedCategories = config.excluded_categories ?? [];
  }

  static create(config: LlamaGuardConfig, context: ProviderContext<{ inference: InferenceApi }>): LlamaGuardSafety {
    return new LlamaGuardSafety(config, context.deps.inference, context.providerId);
  }

  async registerShield(shield: ShieldResource): Promise<void> {
    if (!shield.provider_resource_id) {
      throw new InvalidRequestError(`Llama Guard shield '${shield.identifier}' needs a model: set provider_shield_id to a Llama Guard model this server serves.`, {
        param: 'provider_shield_id',
      });
    }
  }

  async runShield(shield: ShieldResource, messages: readonly ChatMessage[], _params: Readonly<Record<string, unknown>> | null, context: RequestContext): Promise<RunShieldResponse> {
    const model = this.modelOf(shield);
    const conversation = prepareConversation(messages);
    const options = this.promptOptions(model);
    const input: ChatMessageUser = isVisionModel(model) ? buildVisionInput(conversation, options) : { role: 'user', content: buildLlamaGuardPrompt(conversation, options) };
    const verdict = await this.ask(shield, model, input, context);
    return { violation: violationFor(violatedCodes(verdict, this.excludedCategories)) };
  }

  /** Each input is its own Llama Guard call (OpenAI's semantics: one result per input), run together. */
  async runModeration(shield: ShieldResource, inputs: readonly ModerationInput[], context: RequestContext): Promise<ModerationResult[]> {
    const model = this.modelOf(shield);
    const options = this.promptOptions(model);
    const showsImages = isVisionModel(model);
    return Promise.all(
      inputs.map(async (moderationInput) => {
        const withImages = showsImages && moderationInput.imageUrls.length > 0;
        const message: ChatMessage = withImages
          ? { role: 'user', content: [{ type: 'text', text: moderationInput.text }, ...moderationInput.imageUrls.map((url) => ({ type: 'image_url' as const, image_url: { url } }))] }
          : { role: 'user', content: moderationInput.text };
        const input: ChatMessageUser = withImages ? buildVisionInput([message], options) : { role: 'user', content: buildLlamaGuardPrompt([message], options) };
        const verdict = await this.ask(shield, model, input, context);
        return moderationResult(violatedCodes(verdict, this.excludedCategories), withImages ? ['text', 'image'] : ['text']);
      }),
    );
  }

  private modelOf(shield: ShieldResource): string {
    if (!shield.provider_resource_id) throw new InvalidRequestError(`Llama Guard shield '${shield.identifier}' has no model.`, { param: 'shield_id' });
    return shield.provider_resource_id;
  }

  private promptOptions(model: string): LlamaGuardPromptOptions {
    return { categories: categoriesForModel(model), excludedCategories: this.excludedCategories };
  }

  private async ask(shield: ShieldResource, model: string, input: ChatMessageUser, context: RequestContext): Promise<LlamaGuardVerdict> {
    let reply: unknown;
    try {
      const completion = await this.inference.chatCompletion({ model, messages: [input], temperature: 0, stream: false }, context);
      reply = completion.choices[0]?.message.content;
    } catch (error) {
      // Unknown here (the models router) or at the service that serves it (an upstream 404).
      const missing = error instanceof Error && (NotFoundError.is(error) || (UpstreamError.is(error) && error.status === 404)) && (error as NotFoundError).code === 'model_not_found';
      if (missing) {
        throw new UnavailableError(
          `Shield '${shield.identifier}' runs the Llama Guard model '${model}', which cannot be served (${(error as Error).message}). Serve it with an inference provider (e.g. \`ollama pull llama-guard3:1b\`) and list it under registered_resources.models, or register the shield with a model GET /v1/models lists.`,
          { cause: error },
        );
      }
      throw error;
    }
    if (typeof reply !== 'string') throw new UpstreamError(this.providerId, `Llama Guard model '${model}' answered without text content.`);
    return parseLlamaGuardReply(reply, model, this.providerId);
  }
}
