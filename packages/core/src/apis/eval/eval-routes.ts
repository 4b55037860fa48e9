import { routesOf } from '@cria/api';

const route = routesOf('eval');

/** Llama Stack 0.7.1's benchmarks and eval routes (v1alpha). */
export const evalRoutes = [
  route({
    method: 'GET',
    path: '/v1alpha/eval/benchmarks',
    operation: 'listBenchmarks',
    summary: 'The registered benchmarks.',
    response: 'ListBenchmarksResponse',
    async handler({ api }) {
      return { json: await api.listBenchmarks() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/eval/benchmarks',
    operation: 'registerBenchmark',
    summary: 'Register a benchmark: benchmark_id, dataset_id, scoring_functions, provider_id (optional with one provider), provider_benchmark_id, metadata; answers null, as Llama Stack does.',
    requestBody: 'RegisterBenchmarkRequest',
    response: 'NullResponse',
    async handler({ body, api }) {
      await api.registerBenchmark(body);
      return { json: null };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}',
    operation: 'getBenchmark',
    summary: 'One benchmark.',
    response: 'Benchmark',
    async handler({ params, api }) {
      return { json: await api.getBenchmark(params.benchmark_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}',
    operation: 'unregisterBenchmark',
    summary: 'Unregister a benchmark; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.unregisterBenchmark(params.benchmark_id!);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}/evaluations',
    operation: 'evaluateRows',
    summary: 'Generate for each of input_rows with the benchmark_config\'s candidate and score the generations with scoring_functions: {generations, scores}.',
    requestBody: 'EvaluateRowsBodyRequest',
    response: 'EvaluateResponse',
    async handler({ params, body, api, context }) {
      return { json: await api.evaluateRows(params.benchmark_id!, body, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}/jobs',
    operation: 'runEval',
    summary: 'Start a job evaluating the benchmark\'s dataset (its first num_examples rows) in the background: {job_id, status}.',
    requestBody: 'RunEvalBodyRequest',
    response: 'Job',
    async handler({ params, body, api, context }) {
      return { json: await api.runEval(params.benchmark_id!, body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}',
    operation: 'jobStatus',
    summary: 'A job\'s status, with rows_done and rows_total while it runs.',
    response: 'Job',
    async handler({ params, api }) {
      return { json: await api.jobStatus(params.benchmark_id!, params.job_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}',
    operation: 'cancelJob',
    summary: 'Cancel a job; answers 204.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.cancelJob(params.benchmark_id!, params.job_id!);
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}/result',
    operation: 'jobResult',
    summary: 'A completed job\'s result: {generations, scores}.',
    response: 'EvaluateResponse',
    async handler({ params, api }) {
      return { json: await api.jobResult(params.benchmark_id!, params.job_id!) };
    },
  }),
];
