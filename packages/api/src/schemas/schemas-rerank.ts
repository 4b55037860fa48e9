import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's POST /v1alpha/inference/rerank (experimental): a query and items, each a
 * string or a text or image content part, scored by a model of type `rerank`.
 */

const rerankTextPart = object(
  { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } },
  { required: ['text'], title: 'RerankTextPart', description: 'A text content part (OpenAIChatCompletionContentPartTextParam).' },
);

const rerankImagePart = object(
  {
    type: { type: 'string', enum: ['image_url'] },
    image_url: object(
      { url: { type: 'string' }, detail: nullable({ type: 'string', enum: ['auto', 'low', 'high'] }) },
      { required: ['url'] },
    ),
  },
  { required: ['image_url'], title: 'RerankImagePart', description: 'An image content part (OpenAIChatCompletionContentPartImageParam); no provider here ranks images.' },
);

const rerankInput: JsonSchema = { anyOf: [{ type: 'string' }, ref('RerankTextPart'), ref('RerankImagePart')] };

const rerankRequest = object(
  {
    model: { type: 'string', minLength: 1, description: 'The identifier of the reranking model to use.' },
    query: { ...rerankInput, description: 'The search query to rank items against.' },
    items: { type: 'array', minItems: 1, items: rerankInput, description: 'The items to rerank.' },
    max_num_results: nullable({ type: 'integer', minimum: 1, description: 'At most this many results; all by default.' }),
  },
  { required: ['model', 'query', 'items'], additionalProperties: false, title: 'RerankRequest', description: 'Request model for reranking documents.' },
);

const rerankData = object(
  {
    index: { type: 'integer', minimum: 0, description: 'The index of the item in the request.' },
    relevance_score: { type: 'number', description: 'The model\'s relevance score; higher is more relevant.' },
  },
  { required: ['index', 'relevance_score'], title: 'RerankData' },
);

const rerankResponse = object(
  { data: { type: 'array', items: ref('RerankData'), description: 'The results, most relevant first.' } },
  { required: ['data'], title: 'RerankResponse' },
);

export const rerankSchemas: Record<string, JsonSchema> = {
  RerankTextPart: rerankTextPart,
  RerankImagePart: rerankImagePart,
  RerankRequest: rerankRequest,
  RerankData: rerankData,
  RerankResponse: rerankResponse,
};
