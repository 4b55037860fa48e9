import { routesOf } from '@cria/api';

const route = routesOf('scoring');

/** Llama Stack 0.7.1's scoring-functions and scoring routes. */
export const scoringRoutes = [
  route({
    method: 'GET',
    path: '/v1/scoring-functions',
    operation: 'listScoringFunctions',
    summary: 'The registered scoring functions (each provider\'s built-in ones included).',
    response: 'ListScoringFunctionsResponse',
    async handler({ api }) {
      return { json: await api.listScoringFunctions() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/scoring-functions',
    operation: 'registerScoringFunction',
    summary: 'Register a scoring function: scoring_fn_id, description, return_type, provider_id (optional with one provider), provider_scoring_fn_id, params; answers null, as Llama Stack does.',
    requestBody: 'RegisterScoringFunctionRequest',
    response: 'NullResponse',
    async handler({ body, api }) {
      await api.registerScoringFunction(body);
      return { json: null };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/scoring-functions/{scoring_fn_id...}',
    operation: 'getScoringFunction',
    summary: 'One scoring function.',
    response: 'ScoringFn',
    async handler({ params, api }) {
      return { json: await api.getScoringFunction(params.scoring_fn_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/scoring-functions/{scoring_fn_id...}',
    operation: 'unregisterScoringFunction',
    summary: 'Unregister a scoring function; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.unregisterScoringFunction(params.scoring_fn_id!);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/scoring/score',
    operation: 'score',
    summary: 'Score rows with scoring functions (id to params or null): each function\'s score_rows and aggregated_results.',
    requestBody: 'ScoreRequest',
    response: 'ScoreResponse',
    async handler({ body, api, context }) {
      return { json: await api.score(body, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/scoring/score-batch',
    operation: 'scoreBatch',
    summary: 'Score every row of a dataset; save_results_dataset saves the scored rows as a new dataset (its id is dataset_id).',
    requestBody: 'ScoreBatchRequest',
    response: 'ScoreBatchResponse',
    async handler({ body, api, context }) {
      return { json: await api.scoreBatch(body, context) };
    },
  }),
];
