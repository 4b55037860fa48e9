import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, FakeOpenAIUpstream, startTestServer, type TestServer } from '@cria/testing';
import type { InferenceApi } from '@cria/api';
import { BraintrustScoring, factualF1, parseClassification, parseFactualityChoice } from '../src/index.js';

/**
 * A judge answering as the prompts ask: factuality ends with "Choice: X" (C when the submission
 * equals the expert answer, D when it names another city, A otherwise); correctness gives TP/FP/FN JSON.
 */
function judgeReply(request: Record<string, any>): string {
  const prompt = String(request.messages?.at(-1)?.content ?? '');
  if (prompt.includes('[Expert answer]')) {
    const expert = /\[Expert answer\]: (.*)/.exec(prompt)![1]!;
    const submitted = /\[Submitted answer\]: (.*)/.exec(prompt)![1]!;
    const choice = submitted === expert ? 'C' : submitted.includes('Lyon') ? 'D' : 'A';
    return `The submission was compared with the expert answer.\nChoice: ${choice}`;
  }
  if (prompt.includes('Ground truth:')) {
    const answer = /Answer: (.*)/.exec(prompt)![1]!;
    if (answer.includes('garbled')) return 'not json at all';
    return '```json\n{"TP": ["Paris is the capital"], "FP": ["it has 3 million people"], "FN": []}\n```';
  }
  return 'unexpected prompt';
}

describe('braintrust judge answers', () => {
  it('reads the factuality choice and the statement classification', () => {
    expect(parseFactualityChoice('Because...\nChoice: (B)')).toBe('B');
    expect(parseFactualityChoice('E')).toBe('E');
    expect(parseFactualityChoice('no verdict')).toBeNull();
    const classification = parseClassification('{"TP": ["a", "b"], "FP": ["c"], "FN": ["d"]}')!;
    expect(factualF1(classification)).toBeCloseTo(2 / 3);
    expect(parseClassification('{"TP": []}')).toBeNull();
  });
});

describe('inline::braintrust without a judge model (a Llama Stack config with only openai_api_key)', () => {
  it('offers only the scorers that need no judge', async () => {
    const scoring = new BraintrustScoring({ judge_model: null, embedding_model: null, max_concurrent_judgements: 4, openai_api_key: 'sk-unused' }, {} as InferenceApi, 'braintrust');
    expect((await scoring.listScoringFunctions()).map((fn) => fn.identifier)).toEqual(['braintrust::exact-match', 'braintrust::levenshtein']);
  });
});

describe('inline::braintrust (llama-stack-client, a judge and an embedder behind remote::openai)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', models: [{ id: 'judge' }, { id: 'embedder', type: 'embedding' }], reply: judgeReply });
    server = await startTestServer({
      distribution: {
        providers: {
          inference: [{ provider_id: 'fake', provider_type: 'remote::openai', config: { base_url: upstream.url, api_key: 'test-key' } }],
          scoring: [{ provider_id: 'braintrust', provider_type: 'inline::braintrust', config: { judge_model: 'fake/judge', embedding_model: 'fake/embedder' } }],
        },
        registered_resources: { models: [{ model_id: 'embedder', provider_id: 'fake', provider_model_id: 'embedder', model_type: 'embedding', metadata: { embedding_dimension: 16 } }] },
      },
    });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('lists the scorers it can run, and not those needing autoevals\' RAGAS machinery', async () => {
    const ids = (await client.scoringFunctions.list()).map((fn) => fn.identifier).sort();
    expect(ids).toEqual(['braintrust::answer-correctness', 'braintrust::answer-similarity', 'braintrust::exact-match', 'braintrust::factuality', 'braintrust::levenshtein']);
  });

  it('scores factuality with the judge, as autoevals scores the choices, averaged', async () => {
    const rows = [
      { input_query: 'Capital of France?', expected_answer: 'Paris', generated_answer: 'Paris' },
      { input_query: 'Capital of France?', expected_answer: 'Paris', generated_answer: 'Lyon' },
      { input_query: 'Capital of France?', expected_answer: 'Paris', generated_answer: 'Paris, France' },
    ];
    const result = (await client.scoring.score({ input_rows: rows, scoring_functions: { 'braintrust::factuality': null } })).results['braintrust::factuality']!;
    expect(result.score_rows.map((row) => row.score)).toEqual([1, 0, 0.4]);
    expect(result.score_rows[1]!.metadata).toMatchObject({ choice: 'D' });
    expect((result.aggregated_results.average as { average: number }).average).toBeCloseTo(1.4 / 3);
    expect(upstream.lastRequest('/chat/completions')!.body).toMatchObject({ model: 'judge', temperature: 0 });
  });

  it('scores answer correctness from the judge\'s statements and the embeddings, and similarity alone', async () => {
    const rows = [{ input_query: 'Tell me about Paris.', expected_answer: 'Paris is the capital of France.', generated_answer: 'Paris is the capital; it has 3 million people.' }];
    const correctness = (await client.scoring.score({ input_rows: rows, scoring_functions: { 'braintrust::answer-correctness': null } })).results['braintrust::answer-correctness']!;
    const similarity = (await client.scoring.score({ input_rows: rows, scoring_functions: { 'braintrust::answer-similarity': null } })).results['braintrust::answer-similarity']!;
    const simScore = similarity.score_rows[0]!.score as number;
    expect(simScore).toBeGreaterThan(-1);
    expect(simScore).toBeLessThanOrEqual(1);
    expect(upstream.lastRequest('/embeddings')!.body).toMatchObject({ model: 'embedder', input: [rows[0]!.generated_answer, rows[0]!.expected_answer] });
    expect(correctness.score_rows[0]!.metadata).toMatchObject({ factuality: 1 / 1.5, statements: { TP: ['Paris is the capital'], FP: ['it has 3 million people'], FN: [] } });
    expect(correctness.score_rows[0]!.score).toBeCloseTo(0.75 * (1 / 1.5) + 0.25 * simScore);

    const garbled = (await client.scoring.score({ input_rows: [{ ...rows[0]!, generated_answer: 'garbled' }], scoring_functions: { 'braintrust::answer-correctness': null } })).results['braintrust::answer-correctness']!;
    expect(garbled.score_rows[0]!.score).toBeNull();
  });

  it('computes exact match and Levenshtein locally', async () => {
    const rows = [
      { expected_answer: 'kitten', generated_answer: 'sitting' },
      { expected_answer: 'same', generated_answer: 'same' },
    ];
    const before = upstream.requests.length;
    const reply = await client.scoring.score({ input_rows: rows, scoring_functions: { 'braintrust::exact-match': null, 'braintrust::levenshtein': null } });
    expect(upstream.requests.length).toBe(before);
    expect(reply.results['braintrust::exact-match']!.score_rows).toEqual([{ score: 0 }, { score: 1 }]);
    expect(reply.results['braintrust::levenshtein']!.score_rows.map((row) => row.score)).toEqual([1 - 3 / 7, 1]);
  });

  it('answers 4xx naming the field for bad input', async () => {
    expect(await clientFailure(client.scoring.score({ input_rows: [{ expected_answer: 'a', generated_answer: 'a' }], scoring_functions: { 'braintrust::factuality': null } }))).toMatchObject({
      status: 400,
      error: { param: 'input_rows[0].input_query' },
    });
    expect(await clientFailure(client.scoringFunctions.register({ scoring_fn_id: 'braintrust::faithfulness', description: 'x', return_type: { type: 'number' } }))).toMatchObject({ status: 400, error: { param: 'provider_id' } });
  });
});
