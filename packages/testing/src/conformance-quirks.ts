/**
 * Where a published spec is wrong about the API it describes, in one place, each with the reason.
 * The conformance harness applies these to the extracted schemas before checking replies; every
 * other difference between a reply and its schema is a defect of Cria.
 */

/** A change to one component schema of a spec, and why the spec needs it. */
export interface SchemaPatch {
  spec: 'openai' | 'llama-stack' | 'llama-stack-0.2';
  schema: string;
  /** Keep the patched schema under this name instead of replacing the original. */
  as?: string;
  reason: string;
  apply(schema: Record<string, unknown>): Record<string, unknown>;
}

type Schema = Record<string, any>;

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
  ],
  streamSchemas: {
    'openai POST /v1/completions': 'CreateCompletionStreamResponse',
  },
};
