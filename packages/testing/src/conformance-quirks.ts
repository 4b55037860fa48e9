/**
 * Where a published spec is wrong about the API it describes, in one place, each with the reason.
 * The conformance harness applies these to the extracted schemas before checking replies; every
 * other difference between a reply and its schema is a defect of Cria.
 */

/** A change to one component schema of a spec, and why the spec needs it. */
export interface SchemaPatch {
  spec: 'openai' | 'llama-stack' | 'llama-stack-0.2' | 'llama-stack-0.3' | 'open-responses';
  schema: string;
  /** Keep the patched schema under this name instead of replacing the original. */
  as?: string;
  reason: string;
  apply(schema: Record<string, unknown>): Record<string, unknown>;
}

type Schema = Record<string, any>;

const orNull = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });

/** `schema`, or any object whose `type` is none of `known` (an extension Open Responses does not standardise). */
const orOtherType = (schema: Schema, known: string[]): Schema => ({ anyOf: [schema, { type: 'object', required: ['type'], properties: { type: { type: 'string', not: { enum: known } } } }] });

/*
 * A rule rather than a patch: Responses stream events are checked by their `type`, each against
 * every spec that defines that type, not against each spec's union of events. The specs name some
 * events differently (Llama Stack 0.7.1's `response.mcp_call.arguments.delta` is OpenAI's
 * `response.mcp_call_arguments.delta`; OpenAI's and Llama Stack's `response.reasoning_text.delta`
 * is Open Responses' `response.reasoning.delta`; only OpenAI and Open Responses define `error`),
 * so no stream could satisfy all three unions. An event whose type no spec defines fails.
 * (ConformanceChecker.eventVerdicts in conformance.ts.)
 */
export const CONFORMANCE_QUIRKS: {
  patches: readonly SchemaPatch[];
  /** Stream event schemas a spec leaves out, by `spec METHOD path` (the reason is on the patch that makes the schema). */
  streamSchemas: Readonly<Record<string, string>>;
} = {
  patches: [
    {
      spec: 'openai',
      schema: 'Embedding',
      reason: "With encoding_format 'base64' the embedding is a base64 string of float32s; the spec types it as numbers only.",
      apply: (schema: Schema) => ({ ...schema, properties: { ...schema.properties, embedding: { anyOf: [schema.properties.embedding, { type: 'string' }] } } }),
    },
    {
      spec: 'openai',
      schema: 'ChatCompletionMessageList',
      reason: "The messages of a stored chat completion are its input messages (system, user, tool, ...), as OpenAI's API returns them; the spec types each as an assistant reply.",
      apply: (schema: Schema) => {
        const [, withId] = schema.properties.data.items.allOf;
        const anyMessage = { type: 'object', required: ['role'], properties: { role: { enum: ['developer', 'system', 'user', 'assistant', 'tool', 'function'] } } };
        return { ...schema, properties: { ...schema.properties, data: { ...schema.properties.data, items: { allOf: [anyMessage, withId] } } } };
      },
    },
    {
      spec: 'openai',
      schema: 'CreateCompletionResponse',
      as: 'CreateCompletionStreamResponse',
      reason: "OpenAI streams a completion as text_completion objects whose finish_reason is null until the last; the spec names no event-stream schema for POST /completions.",
      apply: (schema: Schema) => {
        const choice = schema.properties.choices.items;
        const finishReason = { anyOf: [choice.properties.finish_reason, { type: 'null' }] };
        return { ...schema, properties: { ...schema.properties, choices: { ...schema.properties.choices, items: { ...choice, properties: { ...choice.properties, finish_reason: finishReason } } } } };
      },
    },
    {
      spec: 'openai',
      schema: 'ConversationItemList',
      reason: "An empty page has no first or last item: OpenAI's cursor lists answer first_id and last_id null then (as Llama Stack does); the spec types them as strings only.",
      apply: (schema: Schema) => ({
        ...schema,
        properties: { ...schema.properties, first_id: { anyOf: [schema.properties.first_id, { type: 'null' }] }, last_id: { anyOf: [schema.properties.last_id, { type: 'null' }] } },
      }),
    },
    {
      spec: 'openai',
      schema: 'ModelResponseProperties',
      as: 'ResponseModelProperties',
      reason:
        "A response object echoes user, safety_identifier and prompt_cache_key as null when the request had none (OpenAI's own ResponseCreatedEvent example answers user: null; Open Responses requires safety_identifier and prompt_cache_key present, string or null); the spec types them as strings only. Only Response uses the patched copy: requests keep the original.",
      apply: (schema: Schema) => ({
        ...schema,
        properties: { ...schema.properties, user: orNull(schema.properties.user), safety_identifier: orNull(schema.properties.safety_identifier), prompt_cache_key: orNull(schema.properties.prompt_cache_key) },
      }),
    },
    {
      spec: 'openai',
      schema: 'Response',
      reason:
        "A response in progress has no usage yet: OpenAI's own ResponseCreatedEvent example answers usage: null, and Open Responses types usage as Usage or null; the spec types it as ResponseUsage only. (Also takes the patched ResponseModelProperties above.)",
      apply: (schema: Schema) => {
        const [, properties, own] = schema.allOf;
        return { ...schema, allOf: [{ $ref: '#/components/schemas/ResponseModelProperties' }, properties, { ...own, properties: { ...own.properties, usage: orNull(own.properties.usage) } }] };
      },
    },
    {
      spec: 'open-responses',
      schema: 'ItemField',
      reason:
        "Open Responses lists only the output items it standardises (message, function_call, function_call_output, reasoning); OpenAI and Llama Stack 0.7.1 define more (file_search_call, web_search_call, mcp_call, mcp_list_tools, mcp_approval_request, ...) that a Llama Stack server emits under those names. Other item types pass here; the OpenAI and Llama Stack checks check them.",
      apply: (schema: Schema) => orOtherType(schema, ['message', 'function_call', 'function_call_output', 'reasoning']),
    },
    {
      spec: 'open-responses',
      schema: 'Tool',
      reason: "Open Responses lists only function tools; a response echoes the hosted tools it was given (file_search, web_search, mcp), which OpenAI and Llama Stack define and check.",
      apply: (schema: Schema) => orOtherType(schema, ['function']),
    },
    {
      spec: 'open-responses',
      schema: 'Annotation',
      reason: "Open Responses lists only url_citation annotations; file_search answers file_citation (and container_file_citation, file_path) annotations, which OpenAI and Llama Stack define and check.",
      apply: (schema: Schema) => orOtherType(schema, ['url_citation']),
    },
    {
      spec: 'open-responses',
      schema: 'JsonSchemaResponseFormat',
      reason:
        "Open Responses types the echoed json_schema format's `schema` as null only (`anyOf: [{type: null}]`, the object branch lost in generation), while its own request type (JsonSchemaResponseFormatParam), OpenAI and Llama Stack carry the JSON Schema object there. It also requires `description` (string or null) where OpenAI allows only a string, absent when the request had none. The schema object is accepted and `description` may be absent; the other fields stay as published.",
      apply: (schema: Schema) => ({
        ...schema,
        required: (schema.required as string[]).filter((name) => name !== 'description'),
        properties: { ...schema.properties, schema: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] } },
      }),
    },
  ],
  streamSchemas: {
    'openai POST /v1/completions': 'CreateCompletionStreamResponse',
  },
};
