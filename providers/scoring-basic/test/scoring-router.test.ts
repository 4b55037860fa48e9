import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';

const QA_ROWS = [
  { input_query: 'What is 2+2?', expected_answer: '4', generated_answer: '4' },
  { input_query: 'Capital of France?', expected_answer: 'Paris', generated_answer: 'It is Lyon' },
  { input_query: 'Color of the sky?', expected_answer: 'blue', generated_answer: 'blue' },
  { input_query: 'Largest planet?', expected_answer: 'Jupiter', generated_answer: 'Jupiter, surely' },
];

function distribution(): Record<string, unknown> {
  return {
    providers: {
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' } } }],
      scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
    },
    registered_resources: {
      datasets: [{ dataset_id: 'qa', purpose: 'eval/question-answer', source: { type: 'rows', rows: QA_ROWS } }],
      scoring_fns: [{ scoring_fn_id: 'configured-subset', provider_id: 'basic', provider_scoring_fn_id: 'subset-of', description: 'From the distribution.', params: { type: 'basic', aggregation_functions: ['average'] } }],
    },
  };
}

describe('scoring functions and scoring (llama-stack-client, inline::basic over inline::localfs)', () => {
  const data = temporaryDirectory();
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    server = await startTestServer({ distribution: distribution(), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    data.remove();
  });

  it('lists the provider\'s built-in functions and the distribution\'s, and gets one', async () => {
    const listed = await client.scoringFunctions.list();
    expect(listed.map((fn) => fn.identifier).sort()).toEqual([
      'basic::docvqa', 'basic::equality', 'basic::ifeval', 'basic::regex_parser_math_response', 'basic::regex_parser_multiple_choice_answer', 'basic::subset_of', 'configured-subset',
    ]);
    const equality = await client.scoringFunctions.retrieve('basic::equality');
    expect(equality).toMatchObject({ identifier: 'basic::equality', provider_id: 'basic', provider_resource_id: 'equality', type: 'scoring_function', return_type: { type: 'number' }, params: { type: 'basic', aggregation_functions: ['accuracy'] } });
  });

  it('scores rows with each function, aggregating as its params say', async () => {
    const reply = await client.scoring.score({ input_rows: QA_ROWS, scoring_functions: { 'basic::equality': null, 'basic::subset_of': null, 'configured-subset': null } });
    expect(reply.results['basic::equality']).toEqual({ score_rows: [{ score: 1 }, { score: 0 }, { score: 1 }, { score: 0 }], aggregated_results: { accuracy: { accuracy: 0.5, num_correct: 2, num_total: 4 } } });
    expect(reply.results['basic::subset_of']!.aggregated_results).toEqual({ accuracy: { accuracy: 0.75, num_correct: 3, num_total: 4 } });
    expect(reply.results['configured-subset']!.aggregated_results).toEqual({ average: { average: 0.75 } });

    const overridden = await client.scoring.score({
      input_rows: QA_ROWS,
      scoring_functions: { 'basic::equality': { type: 'basic', aggregation_functions: ['average', 'median', 'categorical_count', 'accuracy'] } },
    });
    expect(overridden.results['basic::equality']!.aggregated_results).toEqual({
      average: { average: 0.5 },
      median: { median: 0.5 },
      categorical_count: { categorical_count: { '0.0': 2, '1.0': 2 } },
      accuracy: { accuracy: 0.5, num_correct: 2, num_total: 4 },
    });
  });

  it('weights ifeval rows by their number of instructions', async () => {
    const reply = await client.scoring.score({
      input_rows: [
        { instruction_id_list: ['punctuation:no_comma'], kwargs: [{}], generated_answer: 'no comma' },
        { instruction_id_list: ['punctuation:no_comma', 'detectable_format:title', 'change_case:english_lowercase'], kwargs: [{}, {}, {}], generated_answer: 'a, b' },
      ],
      scoring_functions: { 'basic::ifeval': null },
    });
    expect(reply.results['basic::ifeval']!.score_rows).toEqual([{ score: 1, weight: 1 }, { score: 1 / 3, weight: 3 }]);
    expect(reply.results['basic::ifeval']!.aggregated_results).toEqual({ weighted_average: { weighted_average: 2 / 4 } });
  });

  it('checks language:response_language (the language identifier loaded for the rows that ask it)', async () => {
    const language = (code: string, answer: string) => ({ instruction_id_list: ['language:response_language', 'punctuation:no_comma'], kwargs: [{ language: code }, {}], generated_answer: answer });
    const reply = await client.scoring.score({
      input_rows: [
        language('de', 'Heute ist das Wetter schön und wir gehen mit unseren Freunden am Fluss spazieren.'),
        language('es', 'Heute ist das Wetter schön und wir gehen mit unseren Freunden am Fluss spazieren.'),
        language('fr', "Aujourd'hui il fait beau et nous allons nous promener au bord de la rivière avec nos amis."),
      ],
      scoring_functions: { 'basic::ifeval': null },
    });
    expect(reply.results['basic::ifeval']!.score_rows).toEqual([{ score: 1, weight: 2 }, { score: 0.5, weight: 2 }, { score: 1, weight: 2 }]);
    const missing = client.scoring.score({ input_rows: [{ instruction_id_list: ['language:response_language'], kwargs: [{}], generated_answer: 'Hallo' }], scoring_functions: { 'basic::ifeval': null } });
    expect(await clientFailure(missing)).toMatchObject({ status: 400, error: { param: 'input_rows[0].kwargs[0].language' } });
  });

  it('registers, runs, keeps across a restart, and unregisters a function', async () => {
    await client.scoringFunctions.register({
      scoring_fn_id: 'strict-answer',
      description: 'Equality, counted by category.',
      return_type: { type: 'number' },
      provider_scoring_fn_id: 'equality',
      params: { type: 'basic', aggregation_functions: ['categorical_count'] },
    });
    expect(await client.scoringFunctions.retrieve('strict-answer')).toMatchObject({ provider_id: 'basic', provider_resource_id: 'equality', description: 'Equality, counted by category.' });

    await server.close();
    server = await startTestServer({ distribution: distribution(), dataDir: data.dir });
    client = new LlamaStackClient({ baseURL: server.url, maxRetries: 0 });

    const reply = await client.scoring.score({ input_rows: QA_ROWS.slice(0, 2), scoring_functions: { 'strict-answer': null } });
    expect(reply.results['strict-answer']!.aggregated_results).toEqual({ categorical_count: { categorical_count: { '0.0': 1, '1.0': 1 } } });
    await client.scoringFunctions.unregister('strict-answer');
    expect(await clientFailure(client.scoringFunctions.retrieve('strict-answer'))).toMatchObject({ status: 404, error: { param: 'scoring_fn_id' } });
  });

  it('scores a dataset in a batch, read through datasetio, and saves the scored rows as a dataset', async () => {
    await client.beta.datasets.appendrows('qa', { rows: [{ input_query: 'Smallest prime?', expected_answer: '2', generated_answer: '2' }] });
    const batch = await client.scoring.scoreBatch({ dataset_id: 'qa', scoring_functions: { 'basic::equality': null }, save_results_dataset: false });
    expect(batch.dataset_id ?? null).toBeNull();
    expect(batch.results['basic::equality']!.aggregated_results).toEqual({ accuracy: { accuracy: 0.6, num_correct: 3, num_total: 5 } });

    const saved = await client.scoring.scoreBatch({ dataset_id: 'qa', scoring_functions: { 'basic::equality': null, 'basic::subset_of': null }, save_results_dataset: true });
    expect(saved.dataset_id).toMatch(/^qa-scored-/);
    const dataset = await client.beta.datasets.retrieve(saved.dataset_id!);
    expect(dataset).toMatchObject({ purpose: 'eval/question-answer', metadata: { scored_dataset_id: 'qa', scoring_functions: ['basic::equality', 'basic::subset_of'] } });
    const rows = await client.beta.datasets.iterrows(saved.dataset_id!, { start_index: 1, limit: 1 });
    expect(rows).toEqual({ data: [{ ...QA_ROWS[1], 'basic::equality': { score: 0 }, 'basic::subset_of': { score: 0 } }], has_more: true });
  });

  it('answers 4xx naming the field for bad input', async () => {
    expect(await clientFailure(client.scoring.score({ input_rows: QA_ROWS, scoring_functions: { 'no-such-fn': null } }))).toMatchObject({ status: 404, error: { param: 'scoring_functions.no-such-fn' } });
    expect(await clientFailure(client.scoring.score({ input_rows: [{ expected_answer: 'x' }], scoring_functions: { 'basic::equality': null } }))).toMatchObject({ status: 400, error: { param: 'input_rows[0].generated_answer' } });
    expect(await clientFailure(client.scoring.score({ input_rows: QA_ROWS, scoring_functions: {} }))).toMatchObject({ status: 400, error: { param: expect.stringContaining('scoring_functions') } });
    expect(await clientFailure(client.scoring.score({ input_rows: QA_ROWS, scoring_functions: { 'basic::equality': { type: 'basic', aggregation_functions: ['mode' as never] } } }))).toMatchObject({
      status: 400,
      error: { param: expect.stringContaining('aggregation_functions') },
    });
    expect(await clientFailure(client.scoring.scoreBatch({ dataset_id: 'nope', scoring_functions: { 'basic::equality': null } }))).toMatchObject({ status: 404, error: { param: 'dataset_id' } });
    expect(await clientFailure(client.scoringFunctions.register({ scoring_fn_id: 'mine', description: 'x', return_type: { type: 'number' }, provider_scoring_fn_id: 'bleu' }))).toMatchObject({
      status: 400,
      error: { param: 'provider_scoring_fn_id' },
    });
    expect(await clientFailure(client.scoringFunctions.register({ scoring_fn_id: 'mine', description: 'x', return_type: { type: 'number' }, provider_id: 'judge' }))).toMatchObject({ status: 400, error: { param: 'provider_id' } });
    expect(await clientFailure(client.scoringFunctions.register({ scoring_fn_id: 'mine', return_type: { type: 'number' } } as never))).toMatchObject({ status: 400, error: { param: expect.stringContaining('description') } });
  });
});
