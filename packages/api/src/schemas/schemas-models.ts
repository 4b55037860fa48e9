import { type JsonSchema, listOf, nullable, object, ref } from './json-schema.js';

/**
 * Models, providers, routes, health and version. A model object carries both OpenAI's fields
 * (`id`, `object`, `created`, `owned_by`) and Llama Stack's (`identifier`, `provider_id`,
 * `provider_resource_id`, `model_type`, `metadata`), so both clients read it unchanged.
 */

const modelType: JsonSchema = { type: 'string', enum: ['llm', 'embedding', 'rerank'], title: 'ModelType' };

const model = object(
  {
    id: { type: 'string', description: 'The identifier to pass as `model` in requests.' },
    object: { type: 'string', const: 'model' },
    created: { type: 'integer' },
    owned_by: { type: 'string' },
    identifier: { type: 'string', description: 'Same as `id` (Llama Stack\'s name for it).' },
    provider_id: { type: 'string' },
    provider_resource_id: nullable({ type: 'string', description: 'The model\'s id at the provider.' }),
    type: { type: 'string', const: 'model' },
    model_type: ref('ModelType'),
    metadata: { type: 'object', additionalProperties: true },
    custom_metadata: nullable({ type: 'object', additionalProperties: true }),
  },
  {
    required: ['id', 'object', 'created', 'owned_by', 'identifier', 'provider_id', 'type', 'model_type', 'metadata'],
    title: 'Model',
  },
);

const providerInfo = object(
  {
    api: { type: 'string' },
    provider_id: { type: 'string' },
    provider_type: { type: 'string' },
    config: { type: 'object', additionalProperties: true, description: 'The provider\'s config, secrets redacted.' },
    health: ref('HealthResult'),
  },
  { required: ['api', 'provider_id', 'provider_type', 'config', 'health'], title: 'ProviderInfo' },
);

const healthResult = object(
  {
    status: { type: 'string', enum: ['OK', 'Error', 'Not Implemented'] },
    message: { type: 'string' },
  },
  { required: ['status'], title: 'HealthResult' },
);

const routeInfo = object(
  {
    route: { type: 'string' },
    method: { type: 'string' },
    provider_types: { type: 'array', items: { type: 'string' } },
  },
  { required: ['route', 'method', 'provider_types'], title: 'RouteInfo' },
);

const listRoutesQuery = object(
  { api_filter: { type: 'string', enum: ['v1', 'v1alpha', 'v1beta', 'deprecated'] } },
  { title: 'ListRoutesQuery', additionalProperties: false },
);

/** The error body every failing route answers with, as OpenAI sends it. */
const errorResponse = object(
  {
    error: object(
      {
        message: { type: 'string' },
        type: { type: 'string', description: 'invalid_request_error, not_found_error, api_error, ...' },
        param: nullable({ type: 'string', description: 'The request field at fault, as a path like `messages[0].role`.' }),
        code: nullable({ type: 'string' }),
      },
      { required: ['message', 'type', 'param', 'code'], title: 'ErrorDetail' },
    ),
  },
  { required: ['error'], title: 'ErrorResponse' },
);

export const modelsSchemas: Record<string, JsonSchema> = {
  ModelType: modelType,
  Model: model,
  ModelList: listOf(ref('Model'), 'GET /v1/models.'),
  HealthResult: healthResult,
  OpenApiDocument: { type: 'object', additionalProperties: true, description: 'An OpenAPI 3.1 document (GET /openapi.json).' },
  HealthInfo: object({ status: { type: 'string', enum: ['OK', 'Error', 'Not Implemented'] } }, { required: ['status'], title: 'HealthInfo' }),
  VersionInfo: object({ version: { type: 'string' } }, { required: ['version'], title: 'VersionInfo' }),
  ProviderInfo: providerInfo,
  ProviderList: object({ data: { type: 'array', items: ref('ProviderInfo') } }, { required: ['data'], title: 'ProviderList' }),
  RouteInfo: routeInfo,
  RouteList: object({ data: { type: 'array', items: ref('RouteInfo') } }, { required: ['data'], title: 'RouteList' }),
  ListRoutesQuery: listRoutesQuery,
  ErrorResponse: errorResponse,
};
