import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's Safety and Shields APIs: GET/POST /v1/shields, GET/DELETE
 * /v1/shields/{identifier}, POST /v1/safety/run-shield; and OpenAI's POST /v1/moderations.
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };

const shield = object(
  {
    identifier: { type: 'string', description: 'The id clients use.' },
    provider_resource_id: nullable({ type: 'string', description: 'The id at the provider: the Llama Guard model, `code-scanner`, `Prompt-Guard-86M`, a remote moderation model.' }),
    provider_id: { type: 'string', description: 'The safety provider that runs it.' },
    type: { type: 'string', enum: ['shield'] },
    params: nullable(anyObject),
  },
  { required: ['identifier', 'provider_id', 'type'], title: 'Shield', description: 'A safety shield resource that can be used to check content.' },
);

const listShieldsResponse = object(
  { data: { type: 'array', items: ref('Shield') } },
  { required: ['data'], title: 'ListShieldsResponse' },
);

const registerShieldRequest = object(
  {
    shield_id: { type: 'string', minLength: 1, description: 'The identifier of the shield to register.' },
    provider_shield_id: nullable({ type: 'string', minLength: 1, description: 'The identifier at the provider; `shield_id` when absent.' }),
    provider_id: nullable({ type: 'string', minLength: 1, description: 'The safety provider; may be left out when only one is enabled.' }),
    params: nullable(anyObject),
  },
  { required: ['shield_id'], additionalProperties: false, title: 'RegisterShieldRequest' },
);

const runShieldRequest = object(
  {
    shield_id: { type: 'string', minLength: 1, description: 'The identifier of the shield to run.' },
    messages: { type: 'array', items: ref('ChatMessage'), description: 'The messages to run the shield on (OpenAI chat messages).' },
    params: nullable({ ...anyObject, description: 'Llama Stack 0.2\'s per-call parameters, passed to the provider.' }),
  },
  { required: ['shield_id', 'messages'], additionalProperties: false, title: 'RunShieldRequest' },
);

const safetyViolation = object(
  {
    violation_level: { type: 'string', enum: ['info', 'warn', 'error'], description: '`error` blocks; `warn` is logged and lets the content through; `info` is informational.' },
    user_message: nullable({ type: 'string', description: 'A message to show the user.' }),
    metadata: { ...anyObject, description: 'Details such as `violation_type` (the codes or rules that matched).' },
  },
  { required: ['violation_level', 'metadata'], title: 'SafetyViolation', description: 'Details of a safety violation.' },
);

const runShieldResponse = object(
  { violation: nullable(ref('SafetyViolation')) },
  { required: ['violation'], title: 'RunShieldResponse', description: 'A violation, or null when the content passed.' },
);

const moderationTextPart = object(
  { type: { type: 'string', enum: ['text'] }, text },
  { required: ['type', 'text'], title: 'ModerationTextInput' },
);

const moderationImagePart = object(
  { type: { type: 'string', enum: ['image_url'] }, image_url: object({ url: text }, { required: ['url'] }) },
  { required: ['type', 'image_url'], title: 'ModerationImageURLInput' },
);

const runModerationRequest = object(
  {
    input: {
      description: 'A string, an array of strings (one result each), or an array of text and image parts (one result for all).',
      anyOf: [
        text,
        { type: 'array', items: text },
        { type: 'array', items: { type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: [ref('ModerationTextInput'), ref('ModerationImageURLInput')] } },
      ],
    },
    model: nullable({ type: 'string', description: 'The shield to run, by its provider_resource_id (the moderation model); the distribution\'s safety.default_shield_id when absent.' }),
  },
  { required: ['input'], additionalProperties: false, title: 'RunModerationRequest' },
);

const moderationResult = object(
  {
    flagged: { type: 'boolean' },
    categories: { type: 'object', additionalProperties: { type: 'boolean' } },
    category_scores: { type: 'object', additionalProperties: { type: 'number' } },
    category_applied_input_types: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', enum: ['text', 'image'] } } },
    user_message: nullable(text),
    metadata: anyObject,
  },
  { required: ['flagged', 'categories', 'category_scores', 'category_applied_input_types'], title: 'ModerationResult', description: 'One input\'s result: OpenAI\'s fields, plus Llama Stack\'s user_message and metadata.' },
);

const moderationObject = object(
  {
    id: { type: 'string', description: '`modr-` and a random id.' },
    model: text,
    results: { type: 'array', items: ref('ModerationResult') },
  },
  { required: ['id', 'model', 'results'], title: 'ModerationObject' },
);

export const safetySchemas: Record<string, JsonSchema> = {
  Shield: shield,
  ListShieldsResponse: listShieldsResponse,
  RegisterShieldRequest: registerShieldRequest,
  RunShieldRequest: runShieldRequest,
  SafetyViolation: safetyViolation,
  RunShieldResponse: runShieldResponse,
  ModerationTextInput: moderationTextPart,
  ModerationImageURLInput: moderationImagePart,
  RunModerationRequest: runModerationRequest,
  ModerationResult: moderationResult,
  ModerationObject: moderationObject,
};
