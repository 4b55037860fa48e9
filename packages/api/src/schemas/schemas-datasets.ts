import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's Datasets (GET/POST /v1beta/datasets, GET/DELETE /v1beta/datasets/{id}) and
 * DatasetIO (GET /v1beta/datasetio/iterrows/{id}, POST /v1beta/datasetio/append-rows/{id}) APIs.
 */

const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const rows: JsonSchema = { type: 'array', items: anyObject };

const datasetPurpose: JsonSchema = {
  type: 'string',
  enum: ['post-training/messages', 'eval/question-answer', 'eval/messages-answer'],
  description:
    'What the rows are for: `post-training/messages` ({messages}), `eval/question-answer` ({question, answer}), `eval/messages-answer` ({messages, answer}). Llama Stack 0.7.1 lists the two eval purposes; 0.2 also post-training/messages. Rows are not checked against it, as in Llama Stack.',
};

const uriDataSource = object(
  {
    type: { type: 'string', enum: ['uri'] },
    uri: {
      type: 'string',
      minLength: 1,
      description:
        'Where the rows are: a file path or `file://` URL on the server (CSV, JSONL, JSON, Parquet), a `data:` URI, an uploaded file id of the Files API (`file-...`), or `huggingface://datasets/<path>?split=...&name=...` for remote::huggingface.',
    },
  },
  { required: ['type', 'uri'], title: 'URIDataSource', description: 'A dataset that can be obtained from a URI.' },
);

const rowsDataSource = object(
  { type: { type: 'string', enum: ['rows'] }, rows: { ...rows, description: 'The rows themselves.' } },
  { required: ['type', 'rows'], title: 'RowsDataSource', description: 'A dataset stored in rows.' },
);

const dataSource: JsonSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [ref('URIDataSource'), ref('RowsDataSource')],
  title: 'DataSource',
};

const dataset = object(
  {
    identifier: { type: 'string', description: 'The id clients use.' },
    provider_resource_id: nullable({ type: 'string' }),
    provider_id: { type: 'string', description: 'The datasetio provider that reads it.' },
    type: { type: 'string', enum: ['dataset'] },
    purpose: ref('DatasetPurpose'),
    source: ref('DataSource'),
    metadata: anyObject,
  },
  { required: ['identifier', 'provider_id', 'type', 'purpose', 'source', 'metadata'], title: 'Dataset', description: 'Dataset resource for storing and accessing training or evaluation data.' },
);

const listDatasetsResponse = object({ data: { type: 'array', items: ref('Dataset') } }, { required: ['data'], title: 'ListDatasetsResponse' });

const registerDatasetRequest = object(
  {
    purpose: ref('DatasetPurpose'),
    source: ref('DataSource'),
    metadata: nullable({ ...anyObject, description: 'Free-form metadata; `provider_id` here picks the datasetio provider, as in Llama Stack.' }),
    dataset_id: nullable({ type: 'string', minLength: 1, description: 'The id; `dataset-<uuid>` when absent.' }),
  },
  { required: ['purpose', 'source'], additionalProperties: false, title: 'RegisterDatasetRequest' },
);

const iterRowsQuery = object(
  {
    start_index: { type: 'integer', minimum: 0, description: 'The 0-based index of the first row; 0 when absent.' },
    limit: { type: 'integer', minimum: -1, description: 'How many rows; all the rest when absent or -1.' },
  },
  { additionalProperties: false, title: 'IterRowsQuery' },
);

const paginatedResponse = object(
  {
    data: rows,
    has_more: { type: 'boolean', description: 'Whether rows follow this page.' },
    url: nullable({ type: 'string' }),
  },
  { required: ['data', 'has_more'], title: 'PaginatedResponse', description: 'A page of rows (Llama Stack 0.7.1 has no next_start_index: the next page starts at start_index + data.length).' },
);

const appendRowsRequest = object(
  { rows: { ...rows, minItems: 1, description: 'The rows to append.' } },
  { required: ['rows'], additionalProperties: false, title: 'AppendRowsRequest' },
);

export const datasetsSchemas: Record<string, JsonSchema> = {
  DatasetPurpose: datasetPurpose,
  URIDataSource: uriDataSource,
  RowsDataSource: rowsDataSource,
  DataSource: dataSource,
  Dataset: dataset,
  ListDatasetsResponse: listDatasetsResponse,
  RegisterDatasetRequest: registerDatasetRequest,
  IterRowsQuery: iterRowsQuery,
  PaginatedResponse: paginatedResponse,
  AppendRowsRequest: appendRowsRequest,
};
