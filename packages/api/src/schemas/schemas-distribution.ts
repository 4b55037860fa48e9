import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * The distribution file: Llama Stack's config format, version 2 (its `config.yaml` / `run.yaml`
 * from 0.3 on). Validated after `${env.*}` substitution; errors name the YAML path.
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const port: JsonSchema = { anyOf: [{ type: 'integer', minimum: 0, maximum: 65535 }, { type: 'string', pattern: '^[0-9]+$' }] };

const providerConfig = object(
  {
    provider_id: nullable({ type: 'string', minLength: 1, description: 'null (e.g. from `${env.X:+id}` with X unset) disables the provider.' }),
    provider_type: { type: 'string', pattern: '^(inline|remote)::[A-Za-z0-9_.-]+$', description: 'Like `remote::vllm` or `inline::llama-cpp`.' },
    config: nullable({ ...anyObject, description: 'The provider\'s own settings, checked against its config schema.' }),
    module: nullable({ type: 'string', description: 'An npm package (or path) whose default export is the provider definition.' }),
  },
  { required: ['provider_id', 'provider_type'], additionalProperties: false, title: 'DistributionProvider' },
);

const backendCommon = { namespace: nullable(text) };

const storageBackend: JsonSchema = {
  title: 'StorageBackendConfig',
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    object({ type: { type: 'string', const: 'kv_sqlite' }, db_path: text, ...backendCommon }, { required: ['type', 'db_path'], additionalProperties: false, title: 'KvSqliteBackendConfig' }),
    object({ type: { type: 'string', const: 'sql_sqlite' }, db_path: text }, { required: ['type', 'db_path'], additionalProperties: false, title: 'SqlSqliteBackendConfig' }),
    object(
      {
        type: { type: 'string', const: 'kv_postgres' },
        host: text, port, db: text, user: text, password: nullable(text), ssl_mode: nullable(text), ca_cert_path: nullable(text),
        table_name: text, ...backendCommon,
      },
      { required: ['type', 'user'], additionalProperties: false, title: 'KvPostgresBackendConfig' },
    ),
    object(
      {
        type: { type: 'string', const: 'sql_postgres' },
        host: text, port, db: text, user: text, password: nullable(text), ssl_mode: nullable(text), ca_cert_path: nullable(text),
        pool_size: { type: 'integer', minimum: 1 }, max_overflow: { type: 'integer', minimum: 0 }, pool_recycle: { type: 'integer' }, pool_pre_ping: { type: 'boolean' },
      },
      { required: ['type', 'user'], additionalProperties: false, title: 'SqlPostgresBackendConfig' },
    ),
    object(
      { type: { type: 'string', const: 'kv_redis' }, host: text, port, password: nullable(text), db: { type: 'integer' }, url: nullable(text), ...backendCommon },
      { required: ['type'], additionalProperties: false, title: 'KvRedisBackendConfig' },
    ),
  ],
};

const kvStoreReference = object({ namespace: text, backend: text }, { required: ['backend'], additionalProperties: false, title: 'KvStoreReference' });
const sqlStoreReference = object(
  {
    table_name: text,
    backend: text,
    max_write_queue_size: { type: 'integer', minimum: 1, description: 'Writes queued before new ones wait.' },
    num_writers: { type: 'integer', minimum: 1 },
  },
  { required: ['backend'], additionalProperties: false, title: 'SqlStoreReference' },
);

const storage = object(
  {
    backends: { type: 'object', additionalProperties: ref('StorageBackendConfig') },
    stores: object(
      {
        metadata: nullable({ ...ref('KvStoreReference'), description: 'The resource registry (models, vector stores, ...).' }),
        inference: nullable(ref('SqlStoreReference')),
        conversations: nullable(ref('SqlStoreReference')),
        responses: nullable(ref('SqlStoreReference')),
        prompts: nullable(ref('KvStoreReference')),
        connectors: nullable(ref('KvStoreReference')),
        vector_stores: nullable({ ...ref('SqlStoreReference'), description: 'Vector stores, their files, batches and chunks (Cria; `table_name` prefixes the tables). Defaults to the backend of `inference`.' }),
      },
      {
        // API modules declare the stores they use; each is checked against its kind at start-up.
        additionalProperties: nullable({ anyOf: [ref('KvStoreReference'), ref('SqlStoreReference')] }),
        description: 'The stores APIs keep their records in, by name; each names a backend.',
      },
    ),
  },
  { additionalProperties: false, title: 'StorageConfig' },
);

const modelInput = object(
  {
    model_id: { type: 'string', minLength: 1, description: 'Also served as an alias when it differs from `provider_id/provider_model_id`.' },
    provider_id: nullable(text),
    provider_model_id: nullable(text),
    model_type: ref('ModelType'),
    metadata: anyObject,
    model_validation: nullable({ type: 'boolean' }),
  },
  { required: ['model_id'], additionalProperties: false, title: 'DistributionModel' },
);

const resourceList: JsonSchema = { type: 'array', items: anyObject };

/** Llama Stack's ToolGroupInput. */
const toolGroupInput = object(
  {
    toolgroup_id: { type: 'string', minLength: 1 },
    provider_id: { type: 'string', minLength: 1 },
    mcp_endpoint: nullable(object({ uri: { type: 'string', minLength: 1 } }, { required: ['uri'], additionalProperties: false })),
    args: nullable(anyObject),
  },
  { required: ['toolgroup_id', 'provider_id'], additionalProperties: false, title: 'DistributionToolGroup' },
);

/** Llama Stack's ShieldInput; an empty provider_id (an unset `${env.X:+id}`) skips the shield, as Llama Stack does. */
const shieldInput = object(
  {
    shield_id: { type: 'string', minLength: 1 },
    provider_id: nullable(text),
    provider_shield_id: nullable(text),
    params: nullable(anyObject),
  },
  { required: ['shield_id'], additionalProperties: false, title: 'DistributionShield' },
);

/** Llama Stack's DatasetInput: a dataset registered at each start; provider_id as in POST /v1beta/datasets (inferred from the source when absent). */
const datasetInput = object(
  {
    dataset_id: { type: 'string', minLength: 1 },
    provider_id: nullable(text),
    purpose: ref('DatasetPurpose'),
    source: ref('DataSource'),
    metadata: nullable(anyObject),
  },
  { required: ['dataset_id', 'purpose', 'source'], additionalProperties: false, title: 'DistributionDataset' },
);

/** Llama Stack's ScoringFnInput: a scoring function registered at each start (beyond those providers list). */
const scoringFnInput = object(
  {
    scoring_fn_id: { type: 'string', minLength: 1 },
    provider_id: nullable(text),
    provider_scoring_fn_id: nullable(text),
    description: nullable(text),
    return_type: nullable(ref('ScoringFnReturnType')),
    params: nullable(ref('ScoringFnParams')),
    metadata: nullable(anyObject),
  },
  { required: ['scoring_fn_id'], additionalProperties: false, title: 'DistributionScoringFn' },
);

/** Llama Stack's BenchmarkInput: a benchmark registered at each start; an empty provider_id skips it. */
const benchmarkInput = object(
  {
    benchmark_id: { type: 'string', minLength: 1 },
    dataset_id: { type: 'string', minLength: 1 },
    scoring_functions: { type: 'array', items: text, minItems: 1 },
    provider_id: nullable(text),
    provider_benchmark_id: nullable(text),
    metadata: nullable(anyObject),
  },
  { required: ['benchmark_id', 'dataset_id', 'scoring_functions'], additionalProperties: false, title: 'DistributionBenchmark' },
);

/** The distribution's `safety` section: Llama Stack's default_shield_id, plus how guardrails treat a shield that fails. */
const safetyConfig = object(
  {
    default_shield_id: nullable({ ...text, description: 'The shield POST /v1/moderations runs when no model is named, and `guardrails: true` names.' }),
    shield_timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'How long a guardrail waits for a shield before the turn fails (or passes, for fail-open shields).' },
    fail_open: { type: 'array', items: text, description: 'Shields whose errors and timeouts let a Responses or agent turn go on (logged), instead of failing it.' },
  },
  { additionalProperties: false, title: 'SafetyConfig' },
);

const registeredResources = object(
  {
    models: { type: 'array', items: ref('DistributionModel') },
    shields: { type: 'array', items: ref('DistributionShield') },
    vector_stores: resourceList,
    vector_dbs: { ...resourceList, description: 'Llama Stack 0.3\'s name for vector_stores.' },
    datasets: { type: 'array', items: ref('DistributionDataset') },
    scoring_fns: { type: 'array', items: ref('DistributionScoringFn') },
    benchmarks: { type: 'array', items: ref('DistributionBenchmark') },
    tool_groups: { type: 'array', items: ref('DistributionToolGroup') },
  },
  { additionalProperties: false, title: 'RegisteredResources' },
);

const cors: JsonSchema = {
  anyOf: [
    { type: 'boolean' },
    object(
      {
        allow_origins: { type: 'array', items: text },
        allow_origin_regex: nullable(text),
        allow_methods: { type: 'array', items: text },
        allow_headers: { type: 'array', items: text },
        allow_credentials: { type: 'boolean' },
        expose_headers: { type: 'array', items: text },
        max_age: { type: 'integer', minimum: 0 },
      },
      { additionalProperties: false },
    ),
    { type: 'null' },
  ],
};

const outboundEntries = (list: 'allow' | 'deny'): JsonSchema => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  description:
    list === 'allow'
      ? 'Hosts (`example.com`, `*.example.com`), IPs and CIDR ranges the server may connect to even where the defaults refuse them (a link-local host, a metadata endpoint).'
      : 'Hosts (`localhost`, `*.internal`), IPs and CIDR ranges (`127.0.0.0/8`, `10.0.0.0/8`, `fc00::/7`) the server never connects to for a URL a request names.',
});

/**
 * Cria's own (Llama Stack has none): the rules for URLs taken from requests that the server
 * connects to (MCP server URLs, image and file URLs). By default 169.254.0.0/16, fe80::/10 and
 * fd00:ec2::254 (link-local and cloud metadata) and 0.0.0.0/8 and :: ("this host", which reaches
 * the loopback interface) are refused; loopback and private ranges are allowed. An `allow` entry
 * overrides the defaults; a `deny` entry overrides both (deny wins). Host name entries match the
 * URL's host (`*.example.com` matches its subdomains, not example.com); IP and CIDR entries match
 * every address the host resolves to (an IPv4-mapped IPv6 address as its IPv4 address).
 */
const outbound = object(
  { allow: outboundEntries('allow'), deny: outboundEntries('deny') },
  { additionalProperties: false, title: 'OutboundConfig', description: 'Rules for URLs taken from requests that the server connects to; see the README.' },
);

const server = object(
  {
    port,
    host: nullable(text),
    tls_certfile: nullable(text),
    tls_keyfile: nullable(text),
    tls_cafile: nullable(text),
    auth: nullable(anyObject),
    quota: nullable(anyObject),
    cors,
    workers: { type: 'integer', minimum: 1 },
    disable_ipv6: { type: 'boolean' },
    outbound: nullable(ref('OutboundConfig')),
  },
  { additionalProperties: false, title: 'ServerConfig' },
);

const qualifiedModel = object({ provider_id: text, model_id: text, embedding_dimensions: nullable({ type: 'integer' }) }, { required: ['provider_id', 'model_id'] });

const positiveInteger: JsonSchema = { type: 'integer', minimum: 1 };

const vectorStores = object(
  {
    default_provider_id: nullable(text),
    default_embedding_model: nullable(qualifiedModel),
    default_reranker_model: nullable(qualifiedModel),
    rewrite_query_params: nullable(
      object(
        {
          model: nullable(qualifiedModel),
          prompt: { type: 'string', pattern: '\\{query\\}', description: 'The rewriting prompt; `{query}` stands for the query.' },
          max_tokens: { type: 'integer', minimum: 1, maximum: 4096 },
          temperature: { type: 'number', minimum: 0, maximum: 2 },
        },
        { additionalProperties: false, description: 'How `rewrite_query: true` rewrites a search query with an LLM; absent: rewriting is refused.' },
      ),
    ),
    file_ingestion_params: nullable(
      object({ default_chunk_size_tokens: positiveInteger, default_chunk_overlap_tokens: { type: 'integer', minimum: 0 } }, { additionalProperties: false }),
    ),
    chunk_retrieval_params: nullable(
      object(
        {
          chunk_multiplier: positiveInteger,
          max_tokens_in_context: positiveInteger,
          default_reranker_strategy: { type: 'string', enum: ['rrf', 'weighted'], description: 'How hybrid search merges rankings when the request names no ranker.' },
          rrf_impact_factor: { type: 'number', minimum: 0 },
          weighted_search_alpha: { type: 'number', minimum: 0, maximum: 1 },
        },
        { additionalProperties: false },
      ),
    ),
    file_search_params: nullable(
      object(
        {
          header_template: {
            type: 'string',
            allOf: [{ pattern: '\\{num_chunks\\}' }, { pattern: '[Ff][Ii][Ll][Ee]_[Ss][Ee][Aa][Rr][Cc][Hh]' }],
            description: 'Text before the file_search results (Python format syntax): `{num_chunks}` is the number of chunks; must name file_search.',
          },
          footer_template: { type: 'string', description: 'Text after the file_search results, as written (not formatted).' },
        },
        { additionalProperties: false, description: 'How the file_search tool frames its results (Llama Stack\'s FileSearchParams).' },
      ),
    ),
    context_prompt_params: nullable(
      object(
        {
          chunk_annotation_template: {
            type: 'string',
            allOf: [{ pattern: '\\{chunk\\.content\\}' }, { pattern: '\\{index\\}' }],
            description: 'One chunk of the file_search tool runtime\'s results: `{index}` (from 1), `{chunk.content}`, `{metadata}` (a Python dict).',
          },
          context_template: {
            type: 'string',
            pattern: '\\{query\\}',
            description: 'What follows the results: `{query}`, `{num_chunks}`, `{annotation_instruction}`.',
          },
        },
        { additionalProperties: false, description: 'How chunks are shown to the model (Llama Stack\'s ContextPromptParams).' },
      ),
    ),
    annotation_prompt_params: nullable(
      object(
        {
          enable_annotations: { type: 'boolean', description: 'Whether the Responses API\'s file_search asks the model to cite files.' },
          annotation_instruction_template: { type: 'string', minLength: 1, description: 'How the model is told to cite (with annotations enabled).' },
          chunk_annotation_template: {
            type: 'string',
            allOf: [{ pattern: '\\{index\\}' }, { pattern: '\\{chunk_text\\}' }, { pattern: '\\{file_id\\}' }],
            description: 'One search result in the Responses API\'s file_search: `{index}`, `{metadata_text}`, `{file_id}`, `{chunk_text}`.',
          },
        },
        { additionalProperties: false, description: 'How the Responses API\'s file_search asks for citations (Llama Stack\'s AnnotationPromptParams).' },
      ),
    ),
    file_batch_params: nullable(
      object(
        {
          max_concurrent_files_per_batch: { ...positiveInteger, description: 'Files ingested at the same time.' },
          file_batch_chunk_size: positiveInteger,
          cleanup_interval_seconds: positiveInteger,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { title: 'VectorStoresConfig', description: 'Defaults for vector stores; the retrieval parameters Llama Stack has are accepted too.' },
);

const distribution = object(
  {
    version: { anyOf: [{ type: 'integer', enum: [2] }, { type: 'string', enum: ['2'] }] },
    distro_name: nullable(text),
    image_name: nullable({ ...text, description: 'Older name of distro_name.' }),
    container_image: nullable(text),
    conda_env: nullable(text),
    apis: { type: 'array', items: text },
    providers: { type: 'object', additionalProperties: { type: 'array', items: ref('DistributionProvider') } },
    storage: ref('StorageConfig'),
    registered_resources: ref('RegisteredResources'),
    // Llama Stack before 0.3 kept resources at the top level; same meaning.
    models: { type: 'array', items: ref('DistributionModel') },
    shields: { type: 'array', items: ref('DistributionShield') },
    vector_dbs: resourceList,
    datasets: { type: 'array', items: ref('DistributionDataset') },
    scoring_fns: { type: 'array', items: ref('DistributionScoringFn') },
    benchmarks: { type: 'array', items: ref('DistributionBenchmark') },
    tool_groups: { type: 'array', items: ref('DistributionToolGroup') },
    server: ref('ServerConfig'),
    vector_stores: nullable(ref('VectorStoresConfig')),
    safety: nullable(ref('SafetyConfig')),
    external_providers_dir: nullable(text),
    external_apis_dir: nullable(text),
    logging: nullable(anyObject),
    logging_config: nullable(anyObject),
    telemetry: nullable(anyObject),
    connectors: { type: 'array', items: anyObject },
  },
  { required: ['version'], additionalProperties: false, title: 'DistributionConfig', description: 'A distribution file (Llama Stack config format, version 2).' },
);

/** The settings every remote inference provider shares (Llama Stack's RemoteInferenceProviderConfig). */
const networkConfig = object(
  {
    timeout: nullable({
      description: 'Seconds, or separate connect and read timeouts.',
      anyOf: [{ type: 'number', exclusiveMinimum: 0 }, object({ connect: nullable({ type: 'number', exclusiveMinimum: 0 }), read: nullable({ type: 'number', exclusiveMinimum: 0 }) }, { additionalProperties: false })],
    }),
    headers: nullable({ type: 'object', additionalProperties: { type: 'string' }, description: 'Extra headers sent with every request.' }),
    tls: nullable(
      object(
        {
          verify: { anyOf: [{ type: 'boolean' }, { type: 'string' }], description: 'false, true, or the path of a CA bundle.' },
          min_version: nullable({ type: 'string', enum: ['TLSv1.2', 'TLSv1.3'] }),
          ciphers: nullable({ type: 'array', items: text }),
          client_cert: nullable(text),
          client_key: nullable(text),
        },
        { additionalProperties: false },
      ),
    ),
    proxy: nullable(anyObject),
  },
  { additionalProperties: false, title: 'NetworkConfig' },
);

export const distributionSchemas: Record<string, JsonSchema> = {
  DistributionProvider: providerConfig,
  StorageBackendConfig: storageBackend,
  KvStoreReference: kvStoreReference,
  SqlStoreReference: sqlStoreReference,
  StorageConfig: storage,
  DistributionModel: modelInput,
  DistributionToolGroup: toolGroupInput,
  DistributionShield: shieldInput,
  DistributionDataset: datasetInput,
  DistributionScoringFn: scoringFnInput,
  DistributionBenchmark: benchmarkInput,
  SafetyConfig: safetyConfig,
  RegisteredResources: registeredResources,
  OutboundConfig: outbound,
  ServerConfig: server,
  VectorStoresConfig: vectorStores,
  DistributionConfig: distribution,
  NetworkConfig: networkConfig,
};
