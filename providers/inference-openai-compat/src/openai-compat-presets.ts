import type { JsonSchema } from '@cria/api';

/** What distinguishes one OpenAI-compatible service from another. */
export interface OpenAICompatPreset {
  providerType: string;
  /** Shown in `cria list-providers`. */
  description: string;
  defaultBaseUrl: string | null;
  /** The X-LlamaStack-Provider-Data field holding a per-request API key. */
  providerDataApiKeyField: string | null;
  /** The environment variable the sample config reads the key from. */
  apiKeyEnv: string | null;
  /** Whether requests fail without an API key (hosted services) or go out without one. */
  requiresApiKey: boolean;
  /** Embedding models the service lists, with their dimensions (others are listed as llm). */
  embeddingModels: Record<string, { embedding_dimension: number; context_length?: number }>;
  /** Turn image URLs into data URLs before sending (the service cannot fetch them). */
  downloadImages: boolean;
  /** `models`: GET <base>/models answers; `health`: GET the `health` sibling of the base path (vLLM, llama-server). */
  healthPath: 'models' | 'health';
  extraConfig?: Record<string, JsonSchema>;
  sampleConfig: Record<string, unknown>;
}

const none: OpenAICompatPreset['embeddingModels'] = {};

export const PRESETS: readonly OpenAICompatPreset[] = [
  {
    providerType: 'remote::openai',
    description: 'OpenAI (api.openai.com) or any service speaking its API.',
    defaultBaseUrl: 'https://api.openai.com/v1',
    providerDataApiKeyField: 'openai_api_key',
    apiKeyEnv: 'OPENAI_API_KEY',
    requiresApiKey: true,
    embeddingModels: {
      'text-embedding-3-small': { embedding_dimension: 1536, context_length: 8192 },
      'text-embedding-3-large': { embedding_dimension: 3072, context_length: 8192 },
      'text-embedding-ada-002': { embedding_dimension: 1536, context_length: 8192 },
    },
    downloadImages: false,
    healthPath: 'models',
    sampleConfig: { api_key: '${env.OPENAI_API_KEY:=}', base_url: '${env.OPENAI_BASE_URL:=https://api.openai.com/v1}' },
  },
  {
    providerType: 'remote::vllm',
    description: 'A vLLM server (its OpenAI-compatible endpoint).',
    defaultBaseUrl: null,
    providerDataApiKeyField: 'vllm_api_token',
    apiKeyEnv: 'VLLM_API_TOKEN',
    requiresApiKey: false,
    embeddingModels: none,
    downloadImages: false,
    healthPath: 'health',
    extraConfig: {
      max_tokens: { type: ['integer', 'null'], minimum: 1, default: 4096, description: 'Sent when a request sets neither max_tokens nor max_completion_tokens.' },
      api_token: { type: ['string', 'null'], description: 'The API token (Llama Stack\'s name for api_key here).' },
      tls_verify: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'null' }], deprecated: true, description: 'Deprecated: use network.tls.verify.' },
    },
    sampleConfig: {
      base_url: '${env.VLLM_URL:=}',
      max_tokens: '${env.VLLM_MAX_TOKENS:=4096}',
      api_token: '${env.VLLM_API_TOKEN:=fake}',
      network: { tls: { verify: '${env.VLLM_TLS_VERIFY:=true}' } },
    },
  },
  {
    providerType: 'remote::ollama',
    description: 'An Ollama server (its OpenAI-compatible /v1 endpoint).',
    defaultBaseUrl: 'http://localhost:11434/v1',
    providerDataApiKeyField: null,
    apiKeyEnv: null,
    requiresApiKey: false,
    embeddingModels: {
      'all-minilm:l6-v2': { embedding_dimension: 384, context_length: 512 },
      'all-minilm:latest': { embedding_dimension: 384, context_length: 512 },
      'nomic-embed-text:latest': { embedding_dimension: 768, context_length: 8192 },
      'nomic-embed-text:v1.5': { embedding_dimension: 768, context_length: 8192 },
      'nomic-embed-text:137m-v1.5-fp16': { embedding_dimension: 768, context_length: 8192 },
    },
    downloadImages: true,
    healthPath: 'models',
    sampleConfig: { base_url: '${env.OLLAMA_URL:=http://localhost:11434/v1}' },
  },
  {
    providerType: 'remote::llama-openai-compat',
    description: 'Meta\'s Llama API (api.llama.com), through its OpenAI-compatible endpoint.',
    defaultBaseUrl: 'https://api.llama.com/compat/v1/',
    providerDataApiKeyField: 'llama_api_key',
    apiKeyEnv: 'LLAMA_API_KEY',
    requiresApiKey: true,
    embeddingModels: none,
    downloadImages: false,
    healthPath: 'models',
    sampleConfig: { base_url: 'https://api.llama.com/compat/v1/', api_key: '${env.LLAMA_API_KEY}' },
  },
  {
    providerType: 'remote::together',
    description: 'Together AI.',
    defaultBaseUrl: 'https://api.together.xyz/v1',
    providerDataApiKeyField: 'together_api_key',
    apiKeyEnv: 'TOGETHER_API_KEY',
    requiresApiKey: true,
    embeddingModels: {
      'togethercomputer/m2-bert-80M-32k-retrieval': { embedding_dimension: 768, context_length: 32768 },
      'BAAI/bge-large-en-v1.5': { embedding_dimension: 1024, context_length: 512 },
      'BAAI/bge-base-en-v1.5': { embedding_dimension: 768, context_length: 512 },
      'Alibaba-NLP/gte-modernbert-base': { embedding_dimension: 768, context_length: 8192 },
      'intfloat/multilingual-e5-large-instruct': { embedding_dimension: 1024, context_length: 512 },
    },
    downloadImages: false,
    healthPath: 'models',
    sampleConfig: { base_url: 'https://api.together.xyz/v1', api_key: '${env.TOGETHER_API_KEY:=}' },
  },
  {
    providerType: 'remote::fireworks',
    description: 'Fireworks AI.',
    defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
    providerDataApiKeyField: 'fireworks_api_key',
    apiKeyEnv: 'FIREWORKS_API_KEY',
    requiresApiKey: true,
    embeddingModels: {
      'nomic-ai/nomic-embed-text-v1.5': { embedding_dimension: 768, context_length: 8192 },
    },
    downloadImages: false,
    healthPath: 'models',
    sampleConfig: { base_url: 'https://api.fireworks.ai/inference/v1', api_key: '${env.FIREWORKS_API_KEY:=}' },
  },
  {
    providerType: 'remote::groq',
    description: 'Groq.',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    providerDataApiKeyField: 'groq_api_key',
    apiKeyEnv: 'GROQ_API_KEY',
    requiresApiKey: true,
    embeddingModels: none,
    downloadImages: false,
    healthPath: 'models',
    sampleConfig: { base_url: 'https://api.groq.com/openai/v1', api_key: '${env.GROQ_API_KEY:=}' },
  },
  {
    providerType: 'remote::llama-cpp-server',
    description: 'A llama.cpp server (llama-server) through its OpenAI-compatible endpoint.',
    defaultBaseUrl: 'http://localhost:8080/v1',
    providerDataApiKeyField: null,
    apiKeyEnv: null,
    requiresApiKey: false,
    embeddingModels: none,
    downloadImages: false,
    healthPath: 'health',
    sampleConfig: { base_url: 'http://localhost:8080/v1' },
  },
  {
    providerType: 'remote::passthrough',
    description: 'Any OpenAI-compatible service, with the URL and key optionally given per request (passthrough_url, passthrough_api_key).',
    defaultBaseUrl: null,
    providerDataApiKeyField: 'passthrough_api_key',
    apiKeyEnv: 'PASSTHROUGH_API_KEY',
    requiresApiKey: false,
    embeddingModels: none,
    downloadImages: false,
    healthPath: 'models',
    extraConfig: {
      forward_headers: {
        anyOf: [{ type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9-]+$' } }, { type: 'null' }],
        description: 'Provider-data keys forwarded as HTTP headers: {"maas_api_token": "Authorization"}. Only listed keys are forwarded.',
      },
      extra_blocked_headers: { type: 'array', items: { type: 'string' }, default: [] },
    },
    sampleConfig: { base_url: '${env.PASSTHROUGH_URL}', api_key: '${env.PASSTHROUGH_API_KEY:=}' },
  },
];
