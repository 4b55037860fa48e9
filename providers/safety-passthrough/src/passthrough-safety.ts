import {
  AuthenticationError,
  type ChatMessage,
  InvalidRequestError,
  isCriaError,
  type ModerationInput,
  type ModerationResult,
  type RequestContext,
  type RunShieldResponse,
  type SafetyProvider,
  type SafetyViolation,
  type ShieldResource,
  UnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@cria/api';
import { unreachableCode, upstreamErrorMessage } from '@cria/provider-utils';
import { checkedForwardHeaders, type PassthroughSafetyConfig } from './passthrough-safety-config.js';

const PROVIDER_TYPE = 'remote::passthrough';

/** Forwarded header values longer than this are dropped: downstreams refuse them (431), and a cut token fails worse. */
const MAX_HEADER_BYTES = 8192;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The texts of a conversation, as Llama Stack's passthrough sends them: string contents, and the text parts of part lists. */
function messageTexts(messages: readonly ChatMessage[]): string[] {
  const texts: string[] = [];
  for (const message of messages) {
    const content: unknown = message.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content as unknown[]) {
        if (typeof part === 'string') texts.push(part);
        else if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
      }
    }
  }
  return texts;
}

/** A conversation as Llama API's moderation messages: the roles it knows, each message's text. */
function llamaApiMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  return messages.map((message) => {
    const role = message.role === 'developer' ? 'system' : message.role === 'function' ? 'tool' : message.role;
    const content = messageTexts([message]).join('\n');
    return { role, content, ...(message.role === 'tool' ? { tool_call_id: message.tool_call_id } : {}) };
  });
}

/** The flagged categories of one moderation result, in OpenAI's shape (`categories`) or Llama API's (`flagged_categories`). */
function flaggedCategories(result: Record<string, unknown>): string[] {
  if (Array.isArray(result.flagged_categories)) return result.flagged_categories.filter((name): name is string => typeof name === 'string');
  return isRecord(result.categories) ? Object.entries(result.categories).filter(([, flagged]) => flagged === true).map(([name]) => name) : [];
}

/**
 * `remote::passthrough` safety: shields and moderations run by another server, as Llama Stack's
 * PassthroughSafetyAdapter: `{base_url}/moderations` (OpenAI's shape, or Llama API's), or in
 * `run-shield` mode another Llama Stack or Cria server's `/safety/run-shield`. The key is the
 * config's `api_key`, else the request's `passthrough_api_key`; `forward_headers` maps
 * provider-data keys to outbound headers.
 */
export class PassthroughSafety implements SafetyProvider {
  private readonly baseUrl: string;
  private readonly forward: (readonly [string, string])[];

  constructor(private readonly config: PassthroughSafetyConfig) {
    this.baseUrl = config.base_url.replace(/\/+$/, '');
    this.forward = checkedForwardHeaders(config);
  }

  async registerShield(): Promise<void> {
    // Any shield: the downstream decides what its model names mean.
  }

  async runShield(shield: ShieldResource, messages: readonly ChatMessage[], params: Readonly<Record<string, unknown>> | null, context: RequestContext): Promise<RunShieldResponse> {
    const model = shield.provider_resource_id || shield.identifier;
    if (this.config.mode === 'run-shield') {
      const reply = await this.post('/safety/run-shield', { shield_id: model, messages, ...(params ? { params } : {}) }, context);
      return { violation: this.violationOf(reply) };
    }
    if (this.config.moderations_format === 'llama-api') {
      if (messages.length === 0) return { violation: null };
      return { violation: this.firstFlagged(this.results(await this.post('/moderations', { model, messages: llamaApiMessages(messages) }, context))) };
    }
    const texts = messageTexts(messages);
    if (texts.length === 0) return { violation: null };
    const reply = await this.post('/moderations', { input: texts.length === 1 ? texts[0] : texts, model }, context);
    return { violation: this.firstFlagged(this.results(reply)) };
  }

  async runModeration(shield: ShieldResource, inputs: readonly ModerationInput[], context: RequestContext): Promise<ModerationResult[]> {
    const model = shield.provider_resource_id || shield.identifier;
    if (this.config.moderations_format === 'llama-api') {
      // Llama API moderates a conversation: one request per input, each one user message.
      const replies = await Promise.all(
        inputs.map((input) => this.post('/moderations', { model, messages: [{ role: 'user', content: input.imageUrls.length ? parts(input) : input.text }] }, context)),
      );
      return replies.map((reply) => this.moderationResults(reply, 1)[0]!);
    }
    if (inputs.some((input) => input.imageUrls.length > 0)) {
      // A multimodal input is one list of parts with one result: each goes alone.
      const replies = await Promise.all(inputs.map((input) => this.post('/moderations', { input: parts(input), model }, context)));
      return replies.map((reply) => this.moderationResults(reply, 1)[0]!);
    }
    const texts = inputs.map((input) => input.text);
    return this.moderationResults(await this.post('/moderations', { input: texts.length === 1 ? texts[0] : texts, model }, context), inputs.length);
  }

  /** The headers of a downstream call: the forwarded ones, then Authorization from the key (which wins). */
  private headers(context: RequestContext): Record<string, string> {
    const headers = new Map<string, [string, string]>();
    const providerData = context.providerData ?? {};
    for (const [key, name] of this.forward) {
      const value = providerData[key];
      if (value === undefined || value === null || typeof value === 'object') continue;
      // Control characters and Unicode line breaks could split the header in an old proxy.
      const clean = String(value).replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, '');
      if (Buffer.byteLength(clean) > MAX_HEADER_BYTES) continue;
      headers.set(name.toLowerCase(), [name, clean]);
    }
    const outbound: Record<string, string> = Object.fromEntries(headers.values());
    const apiKey = this.config.api_key || (typeof providerData.passthrough_api_key === 'string' ? providerData.passthrough_api_key : '');
    if (apiKey) {
      for (const name of Object.keys(outbound)) if (name.toLowerCase() === 'authorization') delete outbound[name];
      outbound.authorization = `Bearer ${apiKey}`;
    }
    return { ...outbound, 'content-type': 'application/json', accept: 'application/json' };
  }

  private async post(path: string, body: Record<string, unknown>, context: RequestContext): Promise<Record<string, unknown>> {
    const target = `${this.baseUrl}${path}`;
    const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
    const signal = AbortSignal.any([context.signal, timeout]);
    try {
      const response = await fetch(target, { method: 'POST', headers: this.headers(context), body: JSON.stringify(body), signal });
      const text = await response.text();
      if (!response.ok) throw this.statusError(response.status, response.headers.get('retry-after'), text, target);
      let reply: unknown;
      try {
        reply = JSON.parse(text);
      } catch {
        throw new UpstreamError(PROVIDER_TYPE, `The safety service at ${target} answered with a body that is not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
      }
      if (!isRecord(reply)) throw new UpstreamError(PROVIDER_TYPE, `The safety service at ${target} answered with JSON that is not an object.`);
      return reply;
    } catch (error) {
      if (isCriaError(error) || context.signal.aborted) throw error;
      if (timeout.aborted) throw new UpstreamTimeoutError(PROVIDER_TYPE, `The safety service at ${target} did not answer in ${this.config.timeout_seconds} s.`, { cause: error });
      const code = unreachableCode(error);
      if (code) throw new UnavailableError(`Could not connect to the safety service at ${target}: ${code}.`, { code: 'upstream_unavailable', cause: error });
      throw new UpstreamError(PROVIDER_TYPE, `The request to the safety service at ${target} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private statusError(status: number, retryAfter: string | null, text: string, target: string): Error {
    const detail = upstreamErrorMessage(text).message;
    if (status === 401) return new AuthenticationError(`The safety service at ${target} refused the key (HTTP 401): ${detail}`, { code: 'upstream_authentication_failed' });
    if (status === 429) {
      const seconds = retryAfter === null ? null : Number(retryAfter);
      return new UpstreamError(PROVIDER_TYPE, `The safety service at ${target} is rate limiting: ${detail}`, { status, retryAfterSeconds: Number.isFinite(seconds) ? seconds : null });
    }
    if (status >= 400 && status < 500) return new InvalidRequestError(`The safety service at ${target} rejected the request (HTTP ${status}): ${detail}`, { code: 'upstream_rejected' });
    return new UpstreamError(PROVIDER_TYPE, `The safety service at ${target} failed (HTTP ${status}): ${detail}`, { status });
  }

  /** The `results` of a moderation reply, each an object. */
  private results(reply: Record<string, unknown>): Record<string, unknown>[] {
    const results = reply.results;
    if (!Array.isArray(results)) throw new UpstreamError(PROVIDER_TYPE, "The safety service's moderation reply has no 'results' list.");
    if (!results.every(isRecord)) throw new UpstreamError(PROVIDER_TYPE, "The safety service's moderation reply has a result that is not an object.");
    return results;
  }

  /** The violation of the first flagged result, as Llama Stack's passthrough reports it. */
  private firstFlagged(results: Record<string, unknown>[]): SafetyViolation | null {
    if (results.length === 0) throw new UpstreamError(PROVIDER_TYPE, "The safety service's moderation reply has no results.");
    const flagged = results.find((result) => result.flagged === true);
    if (!flagged) return null;
    const categories = flaggedCategories(flagged);
    return {
      violation_level: 'error',
      user_message: 'Content was flagged by the safety service.',
      metadata: { violation_type: categories[0] ?? 'unsafe', categories },
    };
  }

  private moderationResults(reply: Record<string, unknown>, expected: number): ModerationResult[] {
    const results = this.results(reply);
    if (results.length !== expected) throw new UpstreamError(PROVIDER_TYPE, `The safety service returned ${results.length} moderation results for ${expected} inputs.`);
    return results.map((result) => {
      if (result.flagged !== undefined && typeof result.flagged !== 'boolean') throw new UpstreamError(PROVIDER_TYPE, "The safety service's moderation result has a 'flagged' that is not a boolean.");
      const categories = Array.isArray(result.flagged_categories) ? Object.fromEntries(flaggedCategories(result).map((name) => [name, true])) : checkedMap(result.categories, 'boolean', 'categories');
      const scores = checkedMap(result.category_scores, 'number', 'category_scores');
      const applied = checkedAppliedTypes(result.category_applied_input_types);
      const flagged = result.flagged === true;
      const names = flaggedCategories(result);
      return {
        flagged,
        categories,
        category_scores: scores,
        category_applied_input_types: applied,
        user_message: flagged ? 'Content was flagged by the safety service.' : null,
        metadata: flagged ? { violation_type: names.join(',') || 'unsafe' } : {},
      };
    });
  }

  /** The violation of a run-shield reply (`{violation: null | SafetyViolation}`), as the downstream gave it. */
  private violationOf(reply: Record<string, unknown>): SafetyViolation | null {
    if (!('violation' in reply)) throw new UpstreamError(PROVIDER_TYPE, "The safety service's run-shield reply has no 'violation'.");
    const violation = reply.violation;
    if (violation === null) return null;
    if (!isRecord(violation) || !['info', 'warn', 'error'].includes(violation.violation_level as string) || (violation.metadata !== undefined && !isRecord(violation.metadata))) {
      throw new UpstreamError(PROVIDER_TYPE, "The safety service's run-shield reply has a malformed 'violation'.");
    }
    return { ...violation, metadata: violation.metadata ?? {} } as SafetyViolation;
  }
}

/** A multimodal moderation input as OpenAI's content parts. */
function parts(input: ModerationInput): Record<string, unknown>[] {
  return [...(input.text ? [{ type: 'text', text: input.text }] : []), ...input.imageUrls.map((url) => ({ type: 'image_url', image_url: { url } }))];
}

function checkedMap<T extends 'boolean' | 'number'>(value: unknown, type: T, field: string): Record<string, T extends 'boolean' ? boolean : number> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value) || !Object.values(value).every((entry) => typeof entry === type)) {
    throw new UpstreamError(PROVIDER_TYPE, `The safety service's moderation result has a malformed '${field}'.`);
  }
  return value as Record<string, T extends 'boolean' ? boolean : number>;
}

function checkedAppliedTypes(value: unknown): Record<string, ('text' | 'image')[]> {
  if (value === undefined || value === null) return {};
  const valid = isRecord(value) && Object.values(value).every((types) => Array.isArray(types) && types.every((type) => type === 'text' || type === 'image'));
  if (!valid) throw new UpstreamError(PROVIDER_TYPE, "The safety service's moderation result has a malformed 'category_applied_input_types'.");
  return value as Record<string, ('text' | 'image')[]>;
}
