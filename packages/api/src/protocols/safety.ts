import type {
  ChatMessage,
  ListShieldsResponse,
  ModerationObject,
  ModerationResult,
  RegisterShieldRequest,
  RunModerationRequest,
  RunShieldRequest,
  RunShieldResponse,
  SafetyViolation,
  Shield,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';
import type { RegisteredResource } from '../registry.js';

/** A shield (Llama Stack's Shield): `provider_resource_id` is what the provider runs (a Llama Guard model, `code-scanner`, ...). */
export interface ShieldResource extends RegisteredResource {
  type: 'shield';
  params: Record<string, unknown> | null;
}

/**
 * One input of a moderation request, with one result: a string of OpenAI's `input`, or all the
 * parts of a multimodal `input` together (their text joined by newlines, their images by URL).
 */
export interface ModerationInput {
  text: string;
  imageUrls: readonly string[];
}

/**
 * What a safety provider implements (Llama Stack's Safety plus ShieldsProtocolPrivate). The router
 * resolves the shield; the provider runs what its `provider_resource_id` names. A model that is
 * missing throws UnavailableError (503) naming how to get it; an upstream that fails throws
 * UpstreamError / UpstreamTimeoutError.
 */
export interface SafetyProvider {
  /** Checks a shield before it is registered (can this provider run it?); throws InvalidRequestError naming `provider_shield_id`. */
  registerShield?(shield: ShieldResource): Promise<void>;
  unregisterShield?(shield: ShieldResource): Promise<void>;
  /**
   * Checks a conversation (OpenAI chat messages). A violation's `metadata.violation_type` holds
   * the codes or rule ids that matched, comma-separated, as Llama Stack's providers give them;
   * `metadata.categories` names them for people (`["Violent Crimes"]`), when the provider knows.
   */
  runShield(shield: ShieldResource, messages: readonly ChatMessage[], params: Readonly<Record<string, unknown>> | null, context: RequestContext): Promise<RunShieldResponse>;
  /**
   * One result per input, in order. The router sets the object's id and model, and adds OpenAI's
   * thirteen categories the provider leaves out as not flagged (false, 0, []).
   */
  runModeration(shield: ShieldResource, inputs: readonly ModerationInput[], context: RequestContext): Promise<ModerationResult[]>;
}

/** Which shields a guardrail check runs. */
export interface GuardrailCheck {
  /** Shield ids; `true` in a request means the distribution's `safety.default_shield_id`, resolved by the caller with `defaultShieldId`. */
  shieldIds: readonly string[];
  /** The conversation to check; its last message is the one judged. */
  messages: readonly ChatMessage[];
}

/** The outcome of a guardrail check that blocks. */
export interface GuardrailBlock {
  shieldId: string;
  violation: SafetyViolation;
  /** The refusal shown to the user: the shield's message and the categories it names. */
  refusal: string;
}

/** The safety API's router: shields (registered resources), run-shield, moderations, and guardrails for the agents layer. */
export interface SafetyApi {
  listShields(): Promise<ListShieldsResponse>;
  getShield(identifier: string): Promise<Shield>;
  registerShield(request: RegisterShieldRequest): Promise<Shield>;
  unregisterShield(identifier: string): Promise<void>;
  runShield(request: RunShieldRequest, context: RequestContext): Promise<RunShieldResponse>;
  runModeration(request: RunModerationRequest, context: RequestContext): Promise<ModerationObject>;
  /** The distribution's `safety.default_shield_id`, or null. */
  readonly defaultShieldId: string | null;
  /** Throws NotFoundError (param `param`) unless every shield is registered; call before a turn starts. */
  assertShields(shieldIds: readonly string[], param: string): void;
  /**
   * Runs the shields together over a conversation, each bounded by `safety.shield_timeout_seconds`.
   * An `error`-level violation blocks; `warn` is logged. A shield that fails or times out fails
   * the check (throws), unless the distribution lists it in `safety.fail_open`: then it is logged
   * and passes.
   */
  checkGuardrails(check: GuardrailCheck, context: RequestContext): Promise<GuardrailBlock | null>;
}
