import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

const ROWS = [
  { input_query: 'alpha', expected_answer: 'Echo: alpha' },
  { chat_completion_input: JSON.stringify([{ role: 'system', content: 'Ignored by an agent.' }, { role: 'user', content: 'Context first.' }, { role: 'user', content: 'beta' }]), expected_answer: 'Echo: beta' },
  { input_query: 'gamma', expected_answer: 'delta' },
];

/** Eval, scoring and datasetio beside the agents API (Llama Stack's inline::meta-reference agents) and vector stores, one fake model. */
function distribution(upstreamUrl: string, dataDir: string): Record<string, unknown> {
  const base = vectorStoresDistribution(upstreamUrl, dataDir) as { apis: string[]; providers: Record<string, unknown>; registered_resources: Record<string, unknown> };
  return {
    ...base,
    apis: [...base.apis, 'tool_runtime', 'agents', 'datasetio', 'scoring', 'eval'],
    providers: {
      ...base.providers,
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' } } }],
      scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
      agents: [
        {
          provider_id: 'meta-reference',
          provider_type: 'inline::meta-reference',
          config: { persistence: { agent_state: { namespace: 'agents', backend: 'kv_default' }, responses: { table_name: 'responses', backend: 'sql_default' } } },
        },
      ],
      eval: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { kvstore: { backend: 'kv_default', namespace: 'eval' }, max_concurrent_generations: 2 } }],
    },
    registered_resources: {
      ...base.registered_resources,
      datasets: [{ dataset_id: 'agent-questions', provider_id: 'localfs', purpose: 'eval/question-answer', source: { type: 'rows', rows: ROWS } }],
      benchmarks: [{ benchmark_id: 'agent-bench', dataset_id: 'agent-questions', scoring_functions: ['basic::equality', 'basic::subset_of'] }],
    },
  };
}

const agentCandidate = {
  type: 'agent',
  config: { model: 'openai/fake-llm', instructions: 'You are a terse assistant.', sampling_params: { strategy: { type: 'greedy' }, max_tokens: 32 } },
} as const;

type UpstreamRequest = FakeOpenAIUpstream['requests'][number];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of the last user message an upstream model request carried (chat completions or responses). */
function lastUserText(request: UpstreamRequest): string {
  const body = request.body as { messages?: { role: string; content: unknown }[]; input?: unknown };
  const messages = body.messages ?? (Array.isArray(body.input) ? (body.input as { role: string; content: unknown }[]) : []);
  const user = messages.filter((message) => message.role === 'user').at(-1);
  const content = user?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : String(body.input ?? '');
}

describe('inline::builtin eval with an agent candidate (the agents API of inline::meta-reference)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    server = await startTestServer({ distribution: distribution(upstream.url, data.dir), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  const modelRequests = (from: number) => upstream.requests.slice(from).filter((request) => request.path === '/chat/completions' || request.path === '/responses');
  const agents = async () => ((await (await fetch(`${server.url}/v1alpha/agents`)).json()) as { data: unknown[] }).data;

  it('evaluates rows: each answered by a turn of the agent (its instructions sent), scored, and the agent deleted after', async () => {
    const sent = upstream.requests.length;
    const reply = await client.alpha.eval.evaluateRows('agent-bench', {
      input_rows: ROWS,
      scoring_functions: ['basic::equality'],
      benchmark_config: { eval_candidate: agentCandidate as never },
    });
    expect(reply.generations).toEqual([{ generated_answer: 'Echo: alpha' }, { generated_answer: 'Echo: beta' }, { generated_answer: 'Echo: gamma' }]);
    expect(reply.scores['basic::equality']).toEqual({ score_rows: [{ score: 1 }, { score: 1 }, { score: 0 }], aggregated_results: { accuracy: { accuracy: 2 / 3, num_correct: 2, num_total: 3 } } });
    const requests = modelRequests(sent);
    expect(requests.map(lastUserText).sort()).toEqual(['alpha', 'beta', 'gamma']);
    const twoMessages = requests.find((request) => lastUserText(request) === 'beta')!;
    expect((twoMessages.body.messages as { role: string; content: unknown }[]).filter((message) => message.role === 'user').map((message) => message.content)).toEqual(['Context first.', 'beta']);
    expect(JSON.stringify(twoMessages.body)).not.toContain('Ignored by an agent.');
    for (const request of requests) {
      expect(request.body.model).toBe('fake-llm');
      expect(JSON.stringify(request.body)).toContain('You are a terse assistant.');
    }
    expect(await agents()).toEqual([]);
  });

  it('runs a job with an agent candidate over the benchmark\'s dataset and returns its generations and scores', async () => {
    const sent = upstream.requests.length;
    const job = await client.alpha.eval.runEval('agent-bench', { benchmark_config: { eval_candidate: agentCandidate as never } });
    let status = await client.alpha.eval.jobs.status('agent-bench', job.job_id);
    for (let i = 0; i < 500 && status.status !== 'completed' && status.status !== 'failed'; i++) {
      await sleep(20);
      status = await client.alpha.eval.jobs.status('agent-bench', job.job_id);
    }
    expect(status).toMatchObject({ job_id: job.job_id, status: 'completed', rows_done: 3, rows_total: 3 });
    const result = await client.alpha.eval.jobs.retrieve('agent-bench', job.job_id);
    expect(result.generations).toEqual([{ generated_answer: 'Echo: alpha' }, { generated_answer: 'Echo: beta' }, { generated_answer: 'Echo: gamma' }]);
    expect(result.scores['basic::equality']!.aggregated_results).toEqual({ accuracy: { accuracy: 2 / 3, num_correct: 2, num_total: 3 } });
    expect(result.scores['basic::subset_of']!.score_rows).toEqual([{ score: 1 }, { score: 1 }, { score: 0 }]);
    expect(modelRequests(sent).map(lastUserText).sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect(await agents()).toEqual([]);
  });

  it('keeps what a knowledge_search (builtin::rag) step retrieved as the generation\'s context', async () => {
    const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const file = await openai.files.create({ file: await toFile(Buffer.from('Llamas hum to talk to each other.'), 'llamas.txt'), purpose: 'assistants' });
    const store = await openai.vectorStores.create({ name: 'facts', file_ids: [file.id] });
    for (let i = 0; i < 100 && (await openai.vectorStores.retrieve(store.id)).file_counts.completed < 1; i++) await sleep(20);
    const ragCandidate = { type: 'agent', config: { ...agentCandidate.config, toolgroups: [{ name: 'builtin::rag/knowledge_search', args: { vector_db_ids: [store.id] } }] } };
    const reply = await client.alpha.eval.evaluateRows('agent-bench', {
      input_rows: [{ input_query: 'How do llamas talk?', expected_answer: 'Llamas hum' }],
      scoring_functions: ['basic::subset_of'],
      benchmark_config: { eval_candidate: ragCandidate as never },
    });
    const generation = reply.generations[0] as { generated_answer: string; context?: string };
    expect(generation.context).toContain('Llamas hum to talk to each other.');
    expect(generation.generated_answer).toContain('The tool said:');
    expect(reply.scores['basic::subset_of']!.score_rows).toEqual([{ score: 1 }]);
  });

  it('answers 400 naming the field for an agent config the agents API refuses, and leaves no agent behind', async () => {
    const reply = await fetch(`${server.url}/v1alpha/eval/benchmarks/agent-bench/evaluations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_rows: ROWS.slice(0, 1), scoring_functions: ['basic::equality'], benchmark_config: { eval_candidate: { type: 'agent', config: { ...agentCandidate.config, toolgroups: ['mcp::missing'] } } } }),
    });
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as { error: { message: string } }).error.message).toContain('mcp::missing');
    expect(await agents()).toEqual([]);
  });
});
