import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import LlamaStackClient from 'llama-stack-client';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FakeOpenAIUpstream, startCliServer, temporaryDirectory } from '@cria/testing';

// Llama Stack 0.7.1's starter config.yaml (a byte-for-byte copy in fixtures/), run by `cria run` exactly as it is.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'packages/cli/dist/cria.js');
const starterConfig = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/llama-stack-0.7.1-starter-config.yaml');

/** A fresh HOME, removed when the test ends: `~/.llama` and `~/.cria` start empty. */
function freshHome(): string {
  const home = temporaryDirectory('cria-starter-home-');
  onTestFinished(home.remove);
  return home.dir;
}

/** Every variable the file reads, unset: "no environment". */
function cleanEnvironment(home: string): Record<string, string | undefined> {
  const names = new Set([...readFileSync(starterConfig, 'utf8').matchAll(/\$\{env\.([A-Z0-9_]+)/g)].map((match) => match[1]!));
  const env: Record<string, string | undefined> = { HOME: home, CRIA_MODELS_DIR: undefined, HF_TOKEN: undefined, GOOGLE_APPLICATION_CREDENTIALS: undefined };
  for (const name of names) env[name] = undefined;
  return env;
}

/** The providers the file enables whatever the environment: those whose provider_id is not `${env.X:+id}`. */
const ALWAYS_ENABLED = [
  'fireworks', 'together', 'bedrock', 'openai', 'anthropic', 'gemini', 'groq', 'sambanova', 'sentence-transformers', 'transformers',
  'faiss', 'sqlite-vec', 'builtin-files', 'pypdf', 'llama-guard', 'code-scanner', 'builtin', 'huggingface', 'localfs',
  'basic', 'llm-as-judge', 'braintrust', 'brave-search', 'tavily-search', 'file-search', 'model-context-protocol', 'reference',
];

interface ListedProvider {
  api: string;
  provider_id: string;
  provider_type: string;
  health: { status: string; message?: string };
}

async function providersOf(url: string): Promise<ListedProvider[]> {
  const client = new LlamaStackClient({ baseURL: url, maxRetries: 0 });
  return (await client.providers.list()) as unknown as ListedProvider[];
}

function expectHealthSaysWhy(providers: readonly ListedProvider[]): void {
  for (const provider of providers) {
    expect(['OK', 'Error'], `${provider.api} ${provider.provider_id}: ${JSON.stringify(provider.health)}`).toContain(provider.health.status);
    if (provider.health.status === 'Error') expect(provider.health.message, provider.provider_id).toMatch(/\S/);
  }
}

describe("Llama Stack's starter config.yaml", () => {
  let upstream: FakeOpenAIUpstream;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ models: [{ id: 'fake-llm' }, { id: 'fake-embed', type: 'embedding' }] });
  });

  afterAll(async () => {
    await upstream?.close();
  });

  it('serves with no environment: every provider it enables listed, healthy or saying what it lacks', async () => {
    const home = freshHome();
    const server = await startCliServer(cli, starterConfig, { cwd: root, env: cleanEnvironment(home) });
    const providers = await providersOf(server.url);
    // Its SQLite files are where the file says: ~/.llama/distributions/starter.
    expect(existsSync(join(home, '.llama/distributions/starter/kvstore.db'))).toBe(true);
    expect(new Set(providers.map((provider) => provider.provider_id))).toEqual(new Set(ALWAYS_ENABLED));
    expectHealthSaysWhy(providers);
    const openai = providers.find((provider) => provider.provider_id === 'openai')!;
    expect(openai.health).toEqual({ status: 'Error', message: expect.stringContaining('OPENAI_API_KEY') });
    const embeddings = providers.find((provider) => provider.provider_id === 'sentence-transformers')!;
    expect(embeddings.health.message).toContain('nomic-ai/nomic-embed-text-v1.5');
    // The APIs of the file answer.
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    expect((await client.files.list()).data).toEqual([]);
    expect((await client.vectorStores.list()).data).toEqual([]);
    const missingKey = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }).catch((error: { status: number }) => error);
    expect((missingKey as { status: number }).status).toBeGreaterThanOrEqual(400);
    expect((missingKey as { status: number }).status).toBeLessThan(500);
  });

  it('serves with its variables set: local OpenAI-compatible servers listed and chatting through each provider', async () => {
    const home = freshHome();
    const nothingListens = 'http://127.0.0.1:9';
    const server = await startCliServer(cli, starterConfig, {
      cwd: root,
      env: {
        ...cleanEnvironment(home),
        OLLAMA_URL: upstream.url,
        VLLM_URL: upstream.url,
        NVIDIA_API_KEY: 'nvidia-key',
        NVIDIA_BASE_URL: upstream.url,
        OPENAI_API_KEY: 'openai-key',
        OPENAI_BASE_URL: upstream.url,
        CEREBRAS_API_KEY: 'cerebras-key',
        AZURE_API_KEY: 'azure-key',
        AZURE_API_BASE: upstream.url,
        VERTEX_AI_PROJECT: 'a-project',
        TAVILY_SEARCH_API_KEY: 'tavily-key',
        BRAVE_SEARCH_API_KEY: 'brave-key',
        CHROMADB_URL: nothingListens,
        QDRANT_URL: nothingListens,
        WEAVIATE_CLUSTER_URL: nothingListens,
        ELASTICSEARCH_URL: nothingListens,
        PGVECTOR_DB: 'cria',
        PGVECTOR_PORT: '9',
        PGVECTOR_HOST: '127.0.0.1',
      },
    });
    const providers = await providersOf(server.url);
    const ids = new Set(providers.map((provider) => provider.provider_id));
    for (const id of ['ollama', 'vllm', 'nvidia', 'cerebras', 'azure', 'vertexai', 'chromadb', 'qdrant', 'weaviate', 'elasticsearch', 'pgvector', ...ALWAYS_ENABLED]) expect(ids, id).toContain(id);
    expectHealthSaysWhy(providers);
    const health = (id: string) => providers.find((provider) => provider.provider_id === id)!.health;
    for (const id of ['ollama', 'vllm', 'nvidia', 'openai', 'tavily-search', 'brave-search']) expect(health(id), id).toEqual({ status: 'OK' });
    for (const id of ['chromadb', 'qdrant', 'weaviate', 'elasticsearch', 'pgvector']) expect(health(id).status, id).toBe('Error');

    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const models = (await client.models.list()).data.map((model) => model.id);
    for (const provider of ['ollama', 'vllm', 'nvidia', 'openai']) {
      expect(models, provider).toContain(`${provider}/fake-llm`);
      const completion = await client.chat.completions.create({ model: `${provider}/fake-llm`, messages: [{ role: 'user', content: `Hello through ${provider}` }] });
      expect(completion.choices[0]!.message.content, provider).toMatch(/\S/);
      expect(completion.model, provider).toBe(`${provider}/fake-llm`);
    }
    const streamed = await client.chat.completions.create({ model: 'vllm/fake-llm', messages: [{ role: 'user', content: 'Stream it' }], stream: true });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toMatch(/\S/);
  });
});
