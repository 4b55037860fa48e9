import { randomUUID } from 'node:crypto';
import {
  type ChatMessage,
  ConfigError,
  type DistributionShield,
  type GuardrailBlock,
  type GuardrailCheck,
  InvalidRequestError,
  isCriaError,
  type ListShieldsResponse,
  type ModerationInput,
  type ModerationObject,
  type ModerationResult,
  NotFoundError,
  type ProviderHandle,
  type ProviderLogger,
  type RegisterShieldRequest,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type RunModerationRequest,
  type RunShieldRequest,
  type RunShieldResponse,
  type SafetyApi,
  type SafetyConfig,
  type SafetyViolation,
  type Shield,
  type ShieldResource,
  UnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@cria/api';

import { inSpan, isTraced } from '../../tracing.js';

const DEFAULT_SHIELD_TIMEOUT_SECONDS = 30;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The categories every result of OpenAI's moderations carries (CreateModerationResponse requires all). */
const OPENAI_MODERATION_CATEGORIES = [
  'hate', 'hate/threatening', 'harassment', 'harassment/threatening', 'illicit', 'illicit/violent', 'self-harm',
  'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
] as const;

/** A provider's result with OpenAI's categories it did not name set as not flagged, so strict OpenAI clients accept it. */
function withOpenAICategories(result: ModerationResult): ModerationResult {
  const categories = { ...result.categories };
  const scores = { ...result.category_scores };
  const applied = { ...result.category_applied_input_types };
  for (const category of OPENAI_MODERATION_CATEGORIES) {
    categories[category] ??= false;
    scores[category] ??= 0;
    applied[category] ??= [];
  }
  return { ...result, categories, category_scores: scores, category_applied_input_types: applied };
}

function toShield(shield: ShieldResource): Shield {
  return { identifier: shield.identifier, provider_resource_id: shield.provider_resource_id, provider_id: shield.provider_id, type: 'shield', params: shield.params };
}

/** OpenAI's moderation input as the inputs that each get a result. */
function moderationInputs(input: RunModerationRequest['input']): ModerationInput[] {
  if (typeof input === 'string') return [{ text: input, imageUrls: [] }];
  if (input.length === 0) throw new InvalidRequestError('input must not be empty.', { param: 'input' });
  if (input.every((item): item is string => typeof item === 'string')) return input.map((text) => ({ text, imageUrls: [] }));
  const texts: string[] = [];
  const imageUrls: string[] = [];
  for (const [index, part] of input.entries()) {
    if (typeof part === 'string') throw new InvalidRequestError('input mixes strings and content parts; use one or the other.', { param: `input[${index}]` });
    if (part.type === 'text') texts.push(part.text);
    else imageUrls.push(part.image_url.url);
  }
  return [{ text: texts.join('\n'), imageUrls }];
}

/** The names a violation gives its categories: the provider's names, else its codes. */
function violationCategories(violation: SafetyViolation): string[] {
  const categories = violation.metadata?.categories;
  if (Array.isArray(categories) && categories.length) return categories.map(String);
  const codes = violation.metadata?.violation_type;
  if (typeof codes === 'string' && codes) return codes.split(',').map((code) => code.trim()).filter(Boolean);
  if (Array.isArray(codes)) return codes.map(String);
  return [];
}

/**
 * The shields routing table and the safety router in one, as Llama Stack's ShieldsRoutingTable
 * and SafetyRouter: shields are `shield` resources of the registry (registered through the API,
 * persisted; or by the distribution, at each start), run at their provider; moderations pick the
 * shield by the model it runs, else the distribution's default shield.
 */
export class SafetyRouter implements SafetyApi, RouterLifecycle {
  private readonly providers = new Map<string, ProviderHandle<'safety'>>();
  readonly defaultShieldId: string | null;
  private readonly timeoutMs: number;
  private readonly failOpen: ReadonlySet<string>;

  constructor(
    providers: readonly ProviderHandle<'safety'>[],
    private readonly registry: ResourceRegistry,
    private readonly logger: ProviderLogger,
    /** The distribution's `registered_resources.shields` (and the older top-level `shields`). */
    private readonly configured: readonly DistributionShield[],
    settings: Readonly<SafetyConfig> | null,
  ) {
    for (const handle of providers) this.providers.set(handle.providerId, handle);
    this.defaultShieldId = settings?.default_shield_id || null;
    this.timeoutMs = (settings?.shield_timeout_seconds ?? DEFAULT_SHIELD_TIMEOUT_SECONDS) * 1000;
    this.failOpen = new Set(settings?.fail_open ?? []);
  }

  /** Registers the distribution's shields (in memory: they follow the file). An empty provider_id skips one, as Llama Stack does. */
  async start(): Promise<void> {
    for (const [index, input] of this.configured.entries()) {
      if (!input.provider_id || input.provider_id === '__disabled__') continue;
      const path = `registered_resources.shields[${index}]`;
      if (!this.providers.has(input.provider_id)) {
        throw new ConfigError(`${path}.provider_id`, `no safety provider '${input.provider_id}' is enabled (the safety providers are: ${[...this.providers.keys()].join(', ') || 'none'})`);
      }
      const shield = this.resourceOf(input.shield_id, input.provider_id, input.provider_shield_id, input.params, 'distribution');
      try {
        await this.providers.get(shield.provider_id)!.impl.registerShield?.(shield);
        await this.registry.register(shield, { persist: false, replace: this.registry.get('shield', shield.identifier)?.source === 'distribution' });
      } catch (error) {
        if (isCriaError(error, 'conflict') || isCriaError(error, 'invalid_request')) throw new ConfigError(path, error.message, { cause: error });
        throw error;
      }
    }
    if (this.defaultShieldId && !this.registry.get('shield', this.defaultShieldId)) {
      this.logger.warn('safety.default_shield_id names a shield that is not registered; moderations without a model will fail until it is', { default_shield_id: this.defaultShieldId });
    }
  }

  async listShields(): Promise<ListShieldsResponse> {
    return { data: this.shields().map(toShield) };
  }

  async getShield(identifier: string): Promise<Shield> {
    return toShield(this.shield(identifier, 'identifier'));
  }

  async registerShield(request: RegisterShieldRequest): Promise<Shield> {
    let providerId = request.provider_id ?? null;
    if (!providerId) {
      if (this.providers.size !== 1) {
        throw new InvalidRequestError(`Name the safety provider (provider_id): ${this.providers.size ? `the providers are ${[...this.providers.keys()].join(', ')}` : 'none is enabled'}.`, { param: 'provider_id' });
      }
      providerId = [...this.providers.keys()][0]!;
    }
    const provider = this.providers.get(providerId);
    if (!provider) throw new InvalidRequestError(`Provider '${providerId}' not found; the safety providers are: ${[...this.providers.keys()].join(', ') || 'none'}.`, { param: 'provider_id' });
    const shield = this.resourceOf(request.shield_id, providerId, request.provider_shield_id, request.params, 'via_register_api');
    await provider.impl.registerShield?.(shield);
    return toShield(await this.registry.register<'shield'>(shield));
  }

  async unregisterShield(identifier: string): Promise<void> {
    const shield = this.shield(identifier, 'identifier');
    await this.providers.get(shield.provider_id)?.impl.unregisterShield?.(shield);
    await this.registry.unregister('shield', shield.identifier);
  }

  async runShield(request: RunShieldRequest, context: RequestContext): Promise<RunShieldResponse> {
    const shield = this.shield(request.shield_id, 'shield_id');
    const run = this.providers.get(shield.provider_id)!.impl;
    if (!isTraced(context)) return this.bounded(shield, context, (bounded) => run.runShield(shield, request.messages, request.params ?? null, bounded));
    return inSpan(
      context,
      `shield ${shield.identifier}`,
      { 'cria.shield_id': shield.identifier, 'cria.provider_id': shield.provider_id, 'cria.provider_resource_id': shield.provider_resource_id ?? shield.identifier },
      (spanContext) => this.bounded(shield, spanContext, (bounded) => run.runShield(shield, request.messages, request.params ?? null, bounded)),
      (span, reply) => {
        span.setAttribute('cria.shield.violation', reply.violation?.violation_level ?? 'none');
      },
    );
  }

  async runModeration(request: RunModerationRequest, context: RequestContext): Promise<ModerationObject> {
    const shield = this.moderationShield(request.model ?? null);
    const inputs = moderationInputs(request.input);
    const moderate = (callContext: RequestContext) => this.bounded(shield, callContext, (bounded) => this.providers.get(shield.provider_id)!.impl.runModeration(shield, inputs, bounded));
    const results = isTraced(context)
      ? await inSpan(context, `moderation ${shield.identifier}`, { 'cria.shield_id': shield.identifier, 'cria.provider_id': shield.provider_id, 'cria.moderation.inputs': inputs.length }, moderate, (span, verdicts) => {
          span.setAttribute('cria.moderation.flagged', verdicts.filter((verdict) => verdict.flagged).length);
        })
      : await moderate(context);
    if (results.length !== inputs.length) {
      throw new UpstreamError(shield.provider_id, `The shield '${shield.identifier}' gave ${results.length} results for ${inputs.length} inputs.`);
    }
    return { id: `modr-${randomUUID()}`, model: request.model ?? shield.provider_resource_id, results: results.map(withOpenAICategories) };
  }

  assertShields(shieldIds: readonly string[], param: string): void {
    for (const [index, shieldId] of shieldIds.entries()) this.shield(shieldId, shieldIds.length === 1 ? param : `${param}[${index}]`);
  }

  async checkGuardrails(check: GuardrailCheck, context: RequestContext): Promise<GuardrailBlock | null> {
    const messages: readonly ChatMessage[] = check.messages;
    const verdicts = await Promise.all(check.shieldIds.map(async (shieldId) => {
      try {
        return { shieldId, reply: await this.runShield({ shield_id: shieldId, messages: messages as ChatMessage[] }, context) };
      } catch (error) {
        if (this.failOpen.has(shieldId) && !context.signal.aborted && !isCriaError(error, 'not_found')) {
          (context.logger ?? this.logger).warn('a fail-open shield failed; the content passes', { shield_id: shieldId, error: (error as Error).message });
          return { shieldId, reply: { violation: null } };
        }
        throw error;
      }
    }));
    for (const { shieldId, reply } of verdicts) {
      const violation = reply.violation;
      if (!violation) continue;
      if (violation.violation_level === 'warn') (context.logger ?? this.logger).warn('a shield warned', { shield_id: shieldId, violation_type: violation.metadata?.violation_type });
      if (violation.violation_level !== 'error') continue;
      const categories = violationCategories(violation);
      const refusal = `${violation.user_message || 'Content blocked by safety guardrails'}${categories.length ? ` (flagged for: ${categories.join(', ')})` : ''}`;
      return { shieldId, violation, refusal };
    }
    return null;
  }

  /** Runs a provider call under the distribution's shield timeout, aborting it when the time is up or the client leaves. */
  private async bounded<T>(shield: ShieldResource, context: RequestContext, call: (context: RequestContext) => Promise<T>): Promise<T> {
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new UpstreamTimeoutError(shield.provider_id, `The shield '${shield.identifier}' did not answer within ${this.timeoutMs / 1000} s (safety.shield_timeout_seconds).`);
        // Rejected before the abort, so the race answers with the timeout, not the call's abort error.
        reject(error);
        deadline.abort(error);
      }, this.timeoutMs);
    });
    try {
      // The logger behind a getter: a request's is made only when a line is written.
      const bounded: RequestContext = {
        signal: AbortSignal.any([context.signal, deadline.signal]),
        providerData: context.providerData,
        traceContext: context.traceContext,
        get logger() {
          return context.logger;
        },
      };
      return await Promise.race([call(bounded), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The shield `model` names (by the model it runs, as Llama Stack matches it, or by its id), else the default shield. */
  private moderationShield(model: string | null): ShieldResource {
    const shields = this.shields();
    const choices = () => shields.map((shield) => shield.provider_resource_id).join(', ') || 'none registered';
    if (model) {
      const byModel = shields.filter((shield) => shield.provider_resource_id === model);
      if (byModel.length > 1) {
        throw new InvalidRequestError(`Several shields run the model '${model}' (${byModel.map((shield) => shield.identifier).join(', ')}); name one by its shield id.`, { param: 'model' });
      }
      const shield = byModel[0] ?? this.registry.get('shield', model);
      if (!shield || !this.providers.has(shield.provider_id)) {
        throw new NotFoundError('model', model, `No shield runs the moderation model '${model}'. Choose from: ${choices()}.`, { param: 'model', code: 'model_not_found' });
      }
      return this.available(shield, 'model');
    }
    if (!this.defaultShieldId) {
      throw new InvalidRequestError(`Name a moderation model (model): the distribution sets no safety.default_shield_id. Choose from: ${choices()}.`, { param: 'model' });
    }
    const shield = this.registry.get('shield', this.defaultShieldId);
    if (!shield || !this.providers.has(shield.provider_id)) {
      throw new InvalidRequestError(`The default shield '${this.defaultShieldId}' (safety.default_shield_id) is not registered; name a moderation model (model). Choose from: ${choices()}.`, { param: 'model' });
    }
    return this.available(shield, 'model');
  }

  private shield(identifier: string, param: string): ShieldResource {
    const shield = this.registry.get('shield', identifier);
    if (!shield || !this.providers.has(shield.provider_id)) {
      throw new NotFoundError('shield', identifier, `Shield '${identifier}' not found. Use GET /v1/shields to list the registered shields.`, { param, code: 'shield_not_found' });
    }
    return this.available(shield, param);
  }

  private available(shield: ShieldResource, param: string): ShieldResource {
    const reason = this.registry.unavailableReason('shield', shield.identifier);
    if (reason) throw new UnavailableError(`Shield '${shield.identifier}' is unavailable: ${reason}`, { param });
    return shield;
  }

  /** The registered shields whose provider is enabled. */
  private shields(): ShieldResource[] {
    return this.registry.list('shield').filter((shield) => this.providers.has(shield.provider_id));
  }

  private resourceOf(shieldId: string, providerId: string, providerShieldId: string | null | undefined, params: Record<string, unknown> | null | undefined, source: ShieldResource['source']): ShieldResource {
    return {
      type: 'shield',
      identifier: shieldId,
      provider_id: providerId,
      provider_resource_id: providerShieldId || shieldId,
      params: params ?? {},
      source,
      created: nowSeconds(),
    };
  }
}
