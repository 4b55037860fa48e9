import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's Prompts API: GET/POST /v1/prompts, GET/PUT/DELETE /v1/prompts/{prompt_id},
 * PUT /v1/prompts/{prompt_id}/set-default-version, GET /v1/prompts/{prompt_id}/versions.
 * Request bodies are the spec's `*BodyRequest` schemas (the prompt id is in the path).
 */

const variables: JsonSchema = {
  type: 'array',
  items: { type: 'string' },
  description: 'The names of the `{{ name }}` placeholders the template may use; every placeholder must be declared.',
};

const prompt = object(
  {
    prompt: nullable({ type: 'string', description: 'The prompt template, with `{{ name }}` placeholders.' }),
    version: { type: 'integer', minimum: 1, description: 'Starts at 1; each update makes the next version.' },
    prompt_id: { type: 'string', description: '`pmpt_` and 48 lowercase hex digits.' },
    variables,
    is_default: { type: 'boolean', description: 'Whether this version is the one served when no version is asked for.' },
  },
  { required: ['prompt', 'version', 'prompt_id', 'variables', 'is_default'], title: 'Prompt', description: 'One version of a stored prompt template.' },
);

const listPromptsResponse = object(
  { data: { type: 'array', items: ref('Prompt') } },
  { required: ['data'], title: 'ListPromptsResponse', description: 'Prompts: the default version of each, or every version of one.' },
);

const createPromptRequest = object(
  {
    prompt: { type: 'string', description: 'The prompt template, with `{{ name }}` placeholders.' },
    variables: nullable(variables),
  },
  { required: ['prompt'], additionalProperties: false, title: 'CreatePromptRequest' },
);

const updatePromptRequest = object(
  {
    prompt: { type: 'string', description: 'The new version\'s template.' },
    version: { type: 'integer', minimum: 1, description: 'The latest version of the prompt (an update based on an older one is refused).' },
    variables: nullable(variables),
    set_as_default: { type: 'boolean', default: true, description: 'Make the new version the default.' },
  },
  { required: ['prompt', 'version'], additionalProperties: false, title: 'UpdatePromptRequest', description: 'Llama Stack\'s UpdatePromptBodyRequest.' },
);

const setDefaultVersionRequest = object(
  { version: { type: 'integer', description: 'The version to serve by default.' } },
  { required: ['version'], additionalProperties: false, title: 'SetDefaultVersionRequest', description: 'Llama Stack\'s SetDefaultVersionBodyRequest.' },
);

const getPromptQuery = object(
  { version: { type: 'integer', description: 'A version of the prompt; the default version when absent (or 0, as Llama Stack reads it).' } },
  { additionalProperties: false, title: 'GetPromptQuery' },
);

export const promptsSchemas: Record<string, JsonSchema> = {
  Prompt: prompt,
  ListPromptsResponse: listPromptsResponse,
  CreatePromptRequest: createPromptRequest,
  UpdatePromptRequest: updatePromptRequest,
  SetDefaultVersionRequest: setDefaultVersionRequest,
  GetPromptQuery: getPromptQuery,
};
