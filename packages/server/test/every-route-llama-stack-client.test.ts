import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import LlamaStackClient, { toFile } from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

/** llama-stack-client 0.7.3's routes: method, path, client method (copied from the reference). */
const ROUTES = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/llama-stack-client-0.7.3-endpoints.tsv'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [route, method] = line.split('\t') as [string, string];
    return { route, method };
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ids calls make and later calls use. */
interface Made {
  [key: string]: string;
}

type Call = (client: LlamaStackClient, made: Made) => Promise<unknown>;

/**
 * One call per client method, in an order where each finds what it needs (a file before a vector
 * store file, a job before its status). Each is a valid call that should succeed.
 */
const CALLS: [string, Call][] = [
  ['client.inspect.health', (c) => c.inspect.health()],
  ['client.inspect.version', (c) => c.inspect.version()],
  ['client.routes.list', (c) => c.routes.list()],
  ['client.providers.list', (c) => c.providers.list()],
  ['client.providers.retrieve', (c) => c.providers.retrieve('localfs')],
  ['client.alpha.admin.health', (c) => c.alpha.admin.health()],
  ['client.alpha.admin.version', (c) => c.alpha.admin.version()],
  ['client.alpha.admin.listRoutes', (c) => c.alpha.admin.listRoutes()],
  ['client.alpha.admin.listProviders', (c) => c.alpha.admin.listProviders()],
  ['client.alpha.admin.inspectProvider', (c) => c.alpha.admin.inspectProvider('localfs')],
  ['client.models.list', (c) => c.models.list()],
  ['client.models.openai.list', (c) => c.models.openai.list()],
  ['client.models.retrieve', (c) => c.models.retrieve('openai/fake-llm')],
  ['client.chat.completions.create', async (c, made) => {
    const completion = (await c.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Hello' }], stream: false })) as { id: string };
    made.completion = completion.id;
  }],
  ['client.chat.completions.retrieve', (c, made) => c.chat.completions.retrieve(made.completion!)],
  ['client.chat.completions.list', (c) => c.chat.completions.list()],
  ['client.completions.create', (c) => c.completions.create({ model: 'openai/fake-llm', prompt: 'Once upon a time', stream: false })],
  ['client.embeddings.create', (c) => c.embeddings.create({ model: 'openai/fake-embedding', input: 'hello' })],
  ['client.alpha.inference.rerank', (c) => c.alpha.inference.rerank({ model: 'vllm/reranker', query: 'What is C++?', items: ['C++ is a language.', 'Pasta.'] })],
  ['client.files.create', async (c, made) => {
    made.file = (await c.files.create({ file: await toFile(Buffer.from('Alpacas live in the Andes.'), 'alpacas.txt'), purpose: 'assistants' })).id;
  }],
  ['client.files.retrieve', (c, made) => c.files.retrieve(made.file!)],
  ['client.files.list', (c) => c.files.list()],
  ['client.files.content', (c, made) => c.files.content(made.file!)],
  ['client.vectorStores.create', async (c, made) => {
    made.store = (await c.vectorStores.create({ name: 'routes' })).id;
  }],
  ['client.vectorStores.retrieve', (c, made) => c.vectorStores.retrieve(made.store!)],
  ['client.vectorStores.update', (c, made) => c.vectorStores.update(made.store!, { name: 'routes-renamed' })],
  ['client.vectorStores.list', (c) => c.vectorStores.list()],
  ['client.vectorStores.files.create', (c, made) => c.vectorStores.files.create(made.store!, { file_id: made.file! })],
  ['client.vectorStores.files.retrieve', (c, made) => c.vectorStores.files.retrieve(made.store!, made.file!)],
  ['client.vectorStores.files.update', (c, made) => c.vectorStores.files.update(made.store!, made.file!, { attributes: { topic: 'animals' } })],
  ['client.vectorStores.files.list', (c, made) => c.vectorStores.files.list(made.store!)],
  ['client.vectorStores.files.content', (c, made) => c.vectorStores.files.content(made.store!, made.file!)],
  ['client.vectorStores.search', (c, made) => c.vectorStores.search(made.store!, { query: 'alpacas' })],
  ['client.vectorIo.insert', (c, made) => c.vectorIo.insert({ vector_store_id: made.store!, chunks: [{ chunk_id: 'c1', content: 'Llamas hum.', metadata: {} }] } as never)],
  ['client.vectorIo.query', (c, made) => c.vectorIo.query({ vector_store_id: made.store!, query: 'llamas' })],
  ['client.vectorStores.fileBatches.create', async (c, made) => {
    made.batchFile = (await c.files.create({ file: await toFile(Buffer.from('Vicuñas are wild.'), 'vicunas.txt'), purpose: 'assistants' })).id;
    made.fileBatch = (await c.vectorStores.fileBatches.create(made.store!, { file_ids: [made.batchFile] })).id;
  }],
  ['client.vectorStores.fileBatches.retrieve', (c, made) => c.vectorStores.fileBatches.retrieve(made.store!, made.fileBatch!)],
  ['client.vectorStores.fileBatches.listFiles', (c, made) => c.vectorStores.fileBatches.listFiles(made.store!, made.fileBatch!)],
  ['client.vectorStores.fileBatches.cancel', async (c, made) => {
    // A batch that has finished cannot be cancelled (409); one started now can.
    const extra = (await c.files.create({ file: await toFile(Buffer.from('Guanacos too.'), 'guanacos.txt'), purpose: 'assistants' })).id;
    const batch = await c.vectorStores.fileBatches.create(made.store!, { file_ids: [extra] });
    return c.vectorStores.fileBatches.cancel(made.store!, batch.id).catch(acceptConflict);
  }],
  ['client.vectorStores.files.delete', (c, made) => c.vectorStores.files.delete(made.store!, made.file!)],
  ['client.prompts.create', async (c, made) => {
    made.prompt = (await c.prompts.create({ prompt: 'Hello {{ name }}', variables: ['name'] })).prompt_id;
  }],
  ['client.prompts.retrieve', (c, made) => c.prompts.retrieve(made.prompt!)],
  ['client.prompts.update', (c, made) => c.prompts.update(made.prompt!, { prompt: 'Hi {{ name }}', variables: ['name'], version: 1, set_as_default: true })],
  ['client.prompts.list', (c) => c.prompts.list()],
  ['client.prompts.versions.list', (c, made) => c.prompts.versions.list(made.prompt!)],
  ['client.prompts.setDefaultVersion', (c, made) => c.prompts.setDefaultVersion(made.prompt!, { version: 1 })],
  ['client.prompts.delete', (c, made) => c.prompts.delete(made.prompt!)],
  ['client.conversations.create', async (c, made) => {
    made.conversation = (await c.conversations.create({ items: [{ type: 'message', role: 'user', content: 'Hi' }] })).id;
  }],
  ['client.conversations.retrieve', (c, made) => c.conversations.retrieve(made.conversation!)],
  ['client.conversations.update', (c, made) => c.conversations.update(made.conversation!, { metadata: { topic: 'routes' } })],
  ['client.conversations.items.create', async (c, made) => {
    const items = await c.conversations.items.create(made.conversation!, { items: [{ type: 'message', role: 'user', content: 'More' }] });
    made.item = items.data[0]!.id!;
  }],
  ['client.conversations.items.list', (c, made) => c.conversations.items.list(made.conversation!)],
  ['client.conversations.items.get', (c, made) => c.conversations.items.get(made.conversation!, made.item!)],
  ['client.conversations.items.delete', (c, made) => c.conversations.items.delete(made.conversation!, made.item!)],
  ['client.conversations.delete', (c, made) => c.conversations.delete(made.conversation!)],
  ['client.responses.create', async (c, made) => {
    made.response = (await c.responses.create({ model: 'openai/fake-llm', input: 'Hello', stream: false })).id;
  }],
  ['client.responses.retrieve', (c, made) => c.responses.retrieve(made.response!)],
  ['client.responses.list', (c) => c.responses.list()],
  ['client.responses.inputItems.list', (c, made) => c.responses.inputItems.list(made.response!)],
  ['client.responses.delete', (c, made) => c.responses.delete(made.response!)],
  ['client.shields.register', (c) => c.shields.register({ shield_id: 'scanner-2', provider_id: 'code-scanner', provider_shield_id: 'code-scanner' })],
  ['client.shields.list', (c) => c.shields.list()],
  ['client.shields.retrieve', (c) => c.shields.retrieve('scanner-2')],
  ['client.safety.runShield', (c) => c.safety.runShield({ shield_id: 'scanner-2', messages: [{ role: 'user', content: 'print("hi")' }] })],
  ['client.moderations.create', (c) => c.moderations.create({ input: 'import os; os.system("ls")', model: 'scanner-2' })],
  ['client.shields.delete', (c) => c.shields.delete('scanner-2')],
  ['client.beta.datasets.register', (c) => c.beta.datasets.register({ dataset_id: 'qa', purpose: 'eval/question-answer', source: { type: 'rows', rows: [{ input_query: 'Hello', expected_answer: 'Echo: Hello', generated_answer: 'Echo: Hello' }] } })],
  ['client.beta.datasets.list', (c) => c.beta.datasets.list()],
  ['client.beta.datasets.retrieve', (c) => c.beta.datasets.retrieve('qa')],
  ['client.beta.datasets.appendrows', (c) => c.beta.datasets.appendrows('qa', { rows: [{ input_query: 'Bye', expected_answer: 'Echo: Bye', generated_answer: 'Echo: Bye' }] })],
  ['client.beta.datasets.iterrows', (c) => c.beta.datasets.iterrows('qa', { limit: 10 })],
  ['client.scoringFunctions.list', (c) => c.scoringFunctions.list()],
  ['client.scoringFunctions.register', (c) => c.scoringFunctions.register({ scoring_fn_id: 'my-equality', description: 'Equality', return_type: { type: 'number' }, provider_id: 'basic', provider_scoring_fn_id: 'equality' })],
  ['client.scoringFunctions.retrieve', (c) => c.scoringFunctions.retrieve('my-equality')],
  ['client.scoring.score', (c) => c.scoring.score({ input_rows: [{ expected_answer: 'a', generated_answer: 'a' }], scoring_functions: { 'basic::equality': null } })],
  ['client.scoring.scoreBatch', (c) => c.scoring.scoreBatch({ dataset_id: 'qa', scoring_functions: { 'basic::subset_of': null }, save_results_dataset: false })],
  ['client.alpha.benchmarks.register', (c) => c.alpha.benchmarks.register({ benchmark_id: 'qa-bench', dataset_id: 'qa', scoring_functions: ['basic::subset_of'] })],
  ['client.alpha.benchmarks.list', (c) => c.alpha.benchmarks.list()],
  ['client.alpha.benchmarks.retrieve', (c) => c.alpha.benchmarks.retrieve('qa-bench')],
  ['client.alpha.eval.evaluateRows', (c) => c.alpha.eval.evaluateRows('qa-bench', { input_rows: [{ input_query: 'Hi', expected_answer: 'Hi' }], scoring_functions: ['basic::subset_of'], benchmark_config: { eval_candidate: CANDIDATE } })],
  ['client.alpha.eval.evaluateRowsAlpha', (c) => c.alpha.eval.evaluateRowsAlpha('qa-bench', { input_rows: [{ input_query: 'Hi', expected_answer: 'Hi' }], scoring_functions: ['basic::subset_of'], benchmark_config: { eval_candidate: CANDIDATE } })],
  ['client.alpha.eval.runEval', async (c, made) => {
    made.job = (await c.alpha.eval.runEval('qa-bench', { benchmark_config: { eval_candidate: CANDIDATE } })).job_id;
  }],
  ['client.alpha.eval.jobs.status', async (c, made) => {
    let job = await c.alpha.eval.jobs.status('qa-bench', made.job!);
    for (let i = 0; i < 200 && job.status !== 'completed'; i++) {
      await sleep(20);
      job = await c.alpha.eval.jobs.status('qa-bench', made.job!);
    }
    expect(job.status).toBe('completed');
  }],
  ['client.alpha.eval.jobs.retrieve', (c, made) => c.alpha.eval.jobs.retrieve('qa-bench', made.job!)],
  ['client.alpha.eval.runEvalAlpha', async (c, made) => {
    made.job2 = (await c.alpha.eval.runEvalAlpha('qa-bench', { benchmark_config: { eval_candidate: CANDIDATE } })).job_id;
  }],
  ['client.alpha.eval.jobs.cancel', (c, made) => c.alpha.eval.jobs.cancel('qa-bench', made.job2!)],
  ['client.alpha.benchmarks.unregister', (c) => c.alpha.benchmarks.unregister('qa-bench')],
  ['client.scoringFunctions.unregister', (c) => c.scoringFunctions.unregister('my-equality')],
  ['client.beta.datasets.unregister', (c) => c.beta.datasets.unregister('qa')],
  ['client.batches.create', async (c, made) => {
    const line = JSON.stringify({ custom_id: 'one', method: 'POST', url: '/v1/chat/completions', body: { model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Hi' }] } });
    const input = (await c.files.create({ file: await toFile(Buffer.from(`${line}\n`), 'batch.jsonl'), purpose: 'batch' })).id;
    made.batch = (await c.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h' })).id;
  }],
  ['client.batches.retrieve', (c, made) => c.batches.retrieve(made.batch!)],
  ['client.batches.list', (c) => c.batches.list()],
  ['client.batches.cancel', (c, made) => c.batches.cancel(made.batch!).catch(acceptConflict)],
  ['client.vectorStores.delete', (c, made) => c.vectorStores.delete(made.store!)],
  ['client.files.delete', (c, made) => c.files.delete(made.file!)],
];

const CANDIDATE = { type: 'model' as const, model: 'openai/fake-llm', sampling_params: { strategy: { type: 'greedy' as const }, max_tokens: 32 } };

/** A 409 is a valid answer of a served route (cancelling what has already finished). */
function acceptConflict(error: unknown): void {
  if (error instanceof LlamaStackClient.APIError && error.status === 409) return;
  throw error;
}

describe('every route of llama-stack-client 0.7.3 against one distribution', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', rerank: 'vllm', models: [{ id: 'fake-llm' }, { id: 'fake-embedding', type: 'embedding' }, { id: 'reranker', type: 'rerank' }] });
    const base = vectorStoresDistribution(upstream.url, data.dir) as { providers: Record<string, unknown[]>; registered_resources: { models: unknown[] } } & Record<string, unknown>;
    const distribution = {
      ...base,
      apis: undefined,
      providers: {
        ...base.providers,
        inference: [...base.providers.inference!, { provider_id: 'vllm', provider_type: 'remote::vllm', config: { base_url: upstream.url, api_token: 'test-key' } }],
        tool_runtime: [{ provider_id: 'file-search', provider_type: 'inline::file-search' }],
        responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { persistence: { agent_state: { namespace: 'agents', backend: 'kv_default' }, responses: { table_name: 'responses', backend: 'sql_default' } } } }],
        safety: [{ provider_id: 'code-scanner', provider_type: 'inline::code-scanner' }],
        batches: [{ provider_id: 'reference', provider_type: 'inline::reference', config: { kvstore: { namespace: 'batches', backend: 'kv_default' } } }],
        datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { namespace: 'datasetio::localfs', backend: 'kv_default' } } }],
        scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
        eval: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { kvstore: { namespace: 'eval', backend: 'kv_default' } } }],
      },
      registered_resources: {
        ...base.registered_resources,
        models: [...base.registered_resources.models, { model_id: 'reranker', provider_id: 'vllm', model_type: 'rerank' }],
        shields: [{ shield_id: 'code-scanner', provider_id: 'code-scanner', provider_shield_id: 'code-scanner' }],
      },
    };
    server = await startTestServer({ distribution, dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  it('has a call for each of the 95 routes, and for no other', () => {
    expect(ROUTES).toHaveLength(95);
    expect(CALLS.map(([method]) => method).sort()).toEqual(ROUTES.map((route) => route.method).sort());
  });

  it('calls every route through its client method; none answers 404 (no such route) or 501', async () => {
    const made: Made = {};
    const failures: string[] = [];
    for (const [method, call] of CALLS) {
      try {
        await call(client, made);
      } catch (error) {
        const status = error instanceof LlamaStackClient.APIError ? error.status : 'no status';
        failures.push(`${method}: ${status} ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
