import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';
import { generationInput } from '../src/index.js';

const ROWS = Array.from({ length: 12 }, (_, index) => ({ input_query: `question ${index}`, expected_answer: index % 3 === 0 ? `wrong ${index}` : `Echo: question ${index}` }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function distribution(upstreamUrl: string, evalConfig: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: {
      inference: [{ provider_id: 'fake', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' } } }],
      scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
      eval: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { kvstore: { backend: 'kv_default', namespace: 'eval' }, max_concurrent_generations: 2, ...evalConfig } }],
    },
    registered_resources: {
      models: [{ model_id: 'echo', provider_id: 'fake', provider_model_id: 'echo', model_type: 'llm' }],
      datasets: [{ dataset_id: 'questions', provider_id: 'localfs', purpose: 'eval/question-answer', source: { type: 'rows', rows: ROWS } }],
      benchmarks: [{ benchmark_id: 'echo-bench', dataset_id: 'questions', scoring_functions: ['basic::equality'] }],
    },
  };
}

const candidate = { type: 'model' as const, model: 'fake/echo', sampling_params: { strategy: { type: 'greedy' as const }, max_tokens: 64 } };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 500): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !done(value); i++) {
    await sleep(20);
    value = await read();
  }
  return value;
}

describe('generationInput', () => {
  it('reads completion_input, chat_completion_input (JSON text) and input_query, and names a row with none', () => {
    expect(generationInput({ completion_input: '"Say hi"' }, 0)).toEqual({ kind: 'completion', prompt: 'Say hi' });
    expect(generationInput({ chat_completion_input: JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }] }]) }, 1)).toEqual({ kind: 'chat', system: ['Be brief.'], messages: [{ role: 'user', content: 'Hi' }] });
    expect(generationInput({ input_query: 'Why?' }, 2)).toEqual({ kind: 'chat', system: [], messages: [{ role: 'user', content: 'Why?' }] });
    expect(() => generationInput({ expected_answer: 'x' }, 3)).toThrow(expect.objectContaining({ param: 'input_rows[3]' }));
  });
});

describe('inline::builtin eval (llama-stack-client, a model behind remote::openai)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', models: [{ id: 'echo' }] });
    server = await startTestServer({ distribution: distribution(upstream.url) });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('registers, lists, gets and unregisters benchmarks, checking their dataset and scoring functions', async () => {
    expect(await client.alpha.benchmarks.list()).toEqual([{ identifier: 'echo-bench', provider_id: 'builtin', provider_resource_id: 'echo-bench', type: 'benchmark', dataset_id: 'questions', scoring_functions: ['basic::equality'], metadata: {} }]);
    await client.alpha.benchmarks.register({ benchmark_id: 'subset', dataset_id: 'questions', scoring_functions: ['basic::subset_of'], metadata: { owner: 'qa' } });
    expect(await client.alpha.benchmarks.retrieve('subset')).toMatchObject({ identifier: 'subset', provider_id: 'builtin', metadata: { owner: 'qa' } });
    expect(await clientFailure(client.alpha.benchmarks.register({ benchmark_id: 'x', dataset_id: 'nope', scoring_functions: ['basic::equality'] }))).toMatchObject({ status: 404, error: { param: 'dataset_id' } });
    expect(await clientFailure(client.alpha.benchmarks.register({ benchmark_id: 'x', dataset_id: 'questions', scoring_functions: ['basic::nope'] }))).toMatchObject({ status: 404, error: { param: 'scoring_functions[0]' } });
    await client.alpha.benchmarks.unregister('subset');
    expect(await clientFailure(client.alpha.benchmarks.retrieve('subset'))).toMatchObject({ status: 404, error: { param: 'benchmark_id' } });
  });

  it('evaluates rows: generates with the model (system message first) and scores with the functions', async () => {
    const rows = [
      { chat_completion_input: JSON.stringify([{ role: 'user', content: 'two' }]), expected_answer: 'Echo: two' },
      { input_query: 'three', expected_answer: 'four' },
    ];
    const sent = upstream.requests.length;
    const reply = await client.alpha.eval.evaluateRows('echo-bench', {
      input_rows: rows,
      scoring_functions: ['basic::equality'],
      benchmark_config: { eval_candidate: { ...candidate, system_message: { role: 'system', content: 'Answer briefly.' } } },
    });
    expect(reply.generations).toEqual([{ generated_answer: 'Echo: two' }, { generated_answer: 'Echo: three' }]);
    expect(reply.scores['basic::equality']).toEqual({ score_rows: [{ score: 1 }, { score: 0 }], aggregated_results: { accuracy: { accuracy: 0.5, num_correct: 1, num_total: 2 } } });
    const chat = upstream.requests.slice(sent).find((request) => request.path === '/chat/completions')!;
    expect(chat.body).toMatchObject({ model: 'echo', temperature: 0, max_tokens: 64 });
    expect(chat.body.messages[0]).toEqual({ role: 'system', content: 'Answer briefly.' });
  });

  it('answers 400 for a row with nothing to answer and for an agent candidate without an agents API', async () => {
    expect(await clientFailure(client.alpha.eval.evaluateRows('echo-bench', { input_rows: [{ expected_answer: 'x' }], scoring_functions: ['basic::equality'], benchmark_config: { eval_candidate: candidate } }))).toMatchObject({ status: 400, error: { param: 'input_rows[0]' } });
    const agent = { type: 'agent', config: { model: 'fake/echo', instructions: 'Be brief.' } } as unknown as typeof candidate;
    expect(await clientFailure(client.alpha.eval.runEval('echo-bench', { benchmark_config: { eval_candidate: agent } }))).toMatchObject({ status: 400, error: { param: 'benchmark_config.eval_candidate' } });
  });

  it('runs a job over the benchmark\'s dataset (num_examples rows), reporting progress, then its result', async () => {
    const job = await client.alpha.eval.runEval('echo-bench', { benchmark_config: { eval_candidate: candidate, num_examples: 6 } });
    expect(job.job_id).toMatch(/^evaljob-/);
    expect(['scheduled', 'in_progress']).toContain(job.status);
    expect(await clientFailure(client.alpha.eval.jobs.retrieve('echo-bench', job.job_id))).toMatchObject({ status: 400, error: { param: 'job_id' } });
    const done = await until(() => client.alpha.eval.jobs.status('echo-bench', job.job_id), (seen) => seen.status === 'completed');
    expect(done).toMatchObject({ job_id: job.job_id, status: 'completed', rows_done: 6, rows_total: 6 });
    const result = await client.alpha.eval.jobs.retrieve('echo-bench', job.job_id);
    expect(result.generations).toEqual(ROWS.slice(0, 6).map((row) => ({ generated_answer: `Echo: ${row.input_query}` })));
    expect(result.scores['basic::equality']!.aggregated_results).toEqual({ accuracy: { accuracy: 4 / 6, num_correct: 4, num_total: 6 } });
    expect(await clientFailure(client.alpha.eval.jobs.status('echo-bench', 'evaljob-none'))).toMatchObject({ status: 404, error: { param: 'job_id' } });
  });

  it('cancels a job part-way; it stays cancelled', async () => {
    upstream.fault({ kind: 'slow_first_byte', delayMs: 100 }, 12, '/chat/completions');
    const job = await client.alpha.eval.runEval('echo-bench', { benchmark_config: { eval_candidate: candidate } });
    await until(() => client.alpha.eval.jobs.status('echo-bench', job.job_id), (seen) => seen.status === 'in_progress');
    await client.alpha.eval.jobs.cancel('echo-bench', job.job_id);
    await sleep(300);
    const after = await client.alpha.eval.jobs.status('echo-bench', job.job_id);
    expect(after.status).toBe('cancelled');
    expect((after as { rows_done?: number }).rows_done).toBeLessThan(ROWS.length);
  });
});

describe('inline::builtin eval jobs across a restart', () => {
  it('resumes a job left in progress, generating only the rows not yet generated', async () => {
    const upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', models: [{ id: 'echo' }] });
    const data = temporaryDirectory();
    try {
      upstream.fault({ kind: 'slow_first_byte', delayMs: 60 }, 1000, '/chat/completions');
      const first = await startTestServer({ distribution: distribution(upstream.url, { max_concurrent_generations: 1 }), dataDir: data.dir });
      let client = new LlamaStackClient({ baseURL: first.url, maxRetries: 0 });
      const job = await client.alpha.eval.runEval('echo-bench', { benchmark_config: { eval_candidate: candidate } });
      const partway = await until(() => client.alpha.eval.jobs.status('echo-bench', job.job_id), (seen) => ((seen as { rows_done?: number }).rows_done ?? 0) >= 3);
      expect(partway.status).toBe('in_progress');
      await first.close();
      const generatedBefore = (partway as { rows_done?: number }).rows_done!;

      const second = await startTestServer({ distribution: distribution(upstream.url, { max_concurrent_generations: 1 }), dataDir: data.dir });
      try {
        client = new LlamaStackClient({ baseURL: second.url, maxRetries: 0 });
        const done = await until(() => client.alpha.eval.jobs.status('echo-bench', job.job_id), (seen) => seen.status === 'completed', 1000);
        expect(done).toMatchObject({ status: 'completed', rows_done: ROWS.length, rows_total: ROWS.length });
        const result = await client.alpha.eval.jobs.retrieve('echo-bench', job.job_id);
        expect(result.generations).toEqual(ROWS.map((row) => ({ generated_answer: `Echo: ${row.input_query}` })));
        // Each row answered once, but for the one in flight at the stop (aborted, asked again).
        const asked = upstream.requests.filter((request) => request.path === '/chat/completions').map((request) => request.body.messages.at(-1).content as string);
        expect(new Set(asked).size).toBe(ROWS.length);
        expect(asked.length).toBeLessThanOrEqual(ROWS.length + 1);
        expect(generatedBefore).toBeGreaterThanOrEqual(3);
      } finally {
        await second.close();
      }
    } finally {
      await upstream.close();
      data.remove();
    }
  });
});
