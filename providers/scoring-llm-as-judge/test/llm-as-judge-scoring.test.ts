import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import { fillTemplate } from '../src/index.js';

/** A judge that grades SimpleQA prompts as the grader template asks (A/B/C), and 1-5 ratings for custom templates. */
function judgeReply(request: Record<string, any>): string {
  const prompt = String(request.messages?.at(-1)?.content ?? '');
  if (prompt.includes('Gold target:')) {
    const gold = /Gold target: (.*)\n/.exec(prompt.split('Here is a new example')[1] ?? '')?.[1] ?? '';
    const predicted = /Predicted answer: (.*)\n/.exec(prompt.split('Here is a new example')[1] ?? '')?.[1] ?? '';
    if (/don't know/i.test(predicted)) return 'C';
    return predicted.toLowerCase().includes(gold.toLowerCase()) ? 'A' : 'B';
  }
  const expected = /Expected: (.*)/.exec(prompt)?.[1];
  const generated = /Generated: (.*)/.exec(prompt)?.[1];
  if (expected === undefined) return 'I cannot rate this.';
  return `Reasoning: compared the answers.\nRating: ${expected === generated ? 5 : 2}`;
}

const ROWS = [
  { input_query: 'Who wrote Hamlet?', expected_answer: 'Shakespeare', generated_answer: 'William Shakespeare' },
  { input_query: 'Capital of Peru?', expected_answer: 'Lima', generated_answer: 'Cusco' },
  { input_query: 'Boiling point of water in C?', expected_answer: '100', generated_answer: "I don't know" },
];

describe('fillTemplate', () => {
  it('fills the row\'s fields as Python\'s str.format, braces doubled', () => {
    expect(fillTemplate('Q: {input_query} {{json}} A: {generated_answer}', { input_query: 'why', expected_answer: 'x', generated_answer: 42 }, 'p')).toBe('Q: why {json} A: 42');
    expect(() => fillTemplate('{question}', { input_query: '', expected_answer: '', generated_answer: '' }, 'params.prompt_template')).toThrow(expect.objectContaining({ param: 'params.prompt_template' }));
  });
});

describe('inline::llm-as-judge (llama-stack-client, a judge behind remote::openai)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', models: [{ id: 'judge' }], reply: judgeReply });
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [{ provider_id: 'fake', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: 'test-key' } }],
          scoring: [{ provider_id: 'llm-as-judge', provider_type: 'inline::llm-as-judge', config: { max_concurrent_judgements: 2 } }],
        },
      },
    });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('lists llm-as-judge::base and llm-as-judge::405b-simpleqa', async () => {
    const listed = await client.scoringFunctions.list();
    expect(listed.map((fn) => fn.identifier).sort()).toEqual(['llm-as-judge::405b-simpleqa', 'llm-as-judge::base']);
    expect(await client.scoringFunctions.retrieve('llm-as-judge::405b-simpleqa')).toMatchObject({
      provider_id: 'llm-as-judge',
      params: { type: 'llm_as_judge', judge_score_regexes: ['(A|B|C)'], aggregation_functions: ['categorical_count'] },
    });
  });

  it('grades SimpleQA rows with the judge named in the request, counting the grades', async () => {
    const reply = await client.scoring.score({ input_rows: ROWS, scoring_functions: { 'llm-as-judge::405b-simpleqa': { type: 'llm_as_judge', judge_model: 'fake/judge' } } });
    const result = reply.results['llm-as-judge::405b-simpleqa']!;
    expect(result.score_rows).toEqual([
      { score: 'A', judge_feedback: 'A' },
      { score: 'B', judge_feedback: 'B' },
      { score: 'C', judge_feedback: 'C' },
    ]);
    expect(result.aggregated_results).toEqual({ categorical_count: { categorical_count: { A: 1, B: 1, C: 1 } } });
    const sent = upstream.lastRequest('/chat/completions')!.body;
    expect(sent.model).toBe('judge');
    expect(sent.messages).toHaveLength(1);
    expect(sent.messages[0].content).toContain('Question: Boiling point of water in C?\nGold target: 100\nPredicted answer: I don\'t know');
  });

  it('registers a judge of its own: template, regexes and aggregation', async () => {
    await client.scoringFunctions.register({
      scoring_fn_id: 'rated-1-to-5',
      description: 'A 1-5 rating.',
      return_type: { type: 'number' },
      params: { type: 'llm_as_judge', judge_model: 'fake/judge', prompt_template: 'Question: {input_query}\nExpected: {expected_answer}\nGenerated: {generated_answer}', judge_score_regexes: ['Rating: (\\d)'], aggregation_functions: ['average'] },
    });
    const rows = [ROWS[1]!, { ...ROWS[0]!, generated_answer: 'Shakespeare' }];
    const reply = await client.scoring.score({ input_rows: rows, scoring_functions: { 'rated-1-to-5': null } });
    expect(reply.results['rated-1-to-5']!.score_rows.map((row) => row.score)).toEqual(['2', '5']);
    expect(reply.results['rated-1-to-5']!.score_rows[0]!.judge_feedback).toContain('Reasoning');
    expect(reply.results['rated-1-to-5']!.aggregated_results).toEqual({ average: { average: 3.5 } });
  });

  it('scores null when no regex matches the judge\'s answer', async () => {
    const reply = await client.scoring.score({
      input_rows: [ROWS[0]!],
      scoring_functions: { 'llm-as-judge::base': { type: 'llm_as_judge', judge_model: 'fake/judge', prompt_template: 'Rate {generated_answer}', judge_score_regexes: ['Rating: (\\d)'] } },
    });
    expect(reply.results['llm-as-judge::base']!.score_rows).toEqual([{ score: null, judge_feedback: 'I cannot rate this.' }]);
  });

  it('answers 4xx naming the field for bad input', async () => {
    expect(await clientFailure(client.scoring.score({ input_rows: [{ input_query: 'q', expected_answer: 'a' }], scoring_functions: { 'llm-as-judge::405b-simpleqa': { type: 'llm_as_judge', judge_model: 'fake/judge' } } }))).toMatchObject({
      status: 400,
      error: { param: 'input_rows[0].generated_answer' },
    });
    expect(await clientFailure(client.scoring.score({ input_rows: ROWS, scoring_functions: { 'llm-as-judge::405b-simpleqa': { type: 'llm_as_judge', judge_model: 'fake/missing-judge' } } }))).toMatchObject({
      status: 400,
      error: { param: 'scoring_functions.llm-as-judge::405b-simpleqa.judge_model' },
    });
    expect(await clientFailure(client.scoring.score({ input_rows: ROWS, scoring_functions: { 'llm-as-judge::base': { type: 'basic', aggregation_functions: [] } } }))).toMatchObject({
      status: 400,
      error: { param: 'scoring_functions.llm-as-judge::base.type' },
    });
    expect(await clientFailure(client.scoringFunctions.register({ scoring_fn_id: 'no-judge', description: 'x', return_type: { type: 'number' } }))).toMatchObject({ status: 400, error: { param: 'params' } });
    expect(await clientFailure(client.scoringFunctions.register({
      scoring_fn_id: 'bad-template',
      description: 'x',
      return_type: { type: 'number' },
      params: { type: 'llm_as_judge', judge_model: 'fake/judge', prompt_template: 'Q: {question}' },
    }))).toMatchObject({ status: 400, error: { param: 'params.prompt_template' } });
  });
});
