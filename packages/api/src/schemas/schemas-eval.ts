import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.7.1's Benchmarks (GET/POST /v1alpha/eval/benchmarks, GET/DELETE
 * /v1alpha/eval/benchmarks/{id}) and Eval (evaluations, jobs, job status, cancel and result) APIs.
 * A candidate is a model (Llama Stack 0.7.1's ModelCandidate) or, as Llama Stack before 0.7 had
 * it, an agent (AgentCandidate: an AgentConfig run through the agents API).
 */

const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const text: JsonSchema = { type: 'string' };

const benchmark = object(
  {
    identifier: text,
    provider_resource_id: nullable(text),
    provider_id: text,
    type: { type: 'string', enum: ['benchmark'] },
    dataset_id: { ...text, description: 'The dataset whose rows are evaluated.' },
    scoring_functions: { type: 'array', items: text, description: 'The scoring functions the generations are scored with.' },
    metadata: anyObject,
  },
  { required: ['identifier', 'provider_id', 'type', 'dataset_id', 'scoring_functions', 'metadata'], title: 'Benchmark', description: 'A benchmark: a dataset and the scoring functions its rows are scored with.' },
);

const listBenchmarksResponse = object({ data: { type: 'array', items: ref('Benchmark') } }, { required: ['data'], title: 'ListBenchmarksResponse' });

const registerBenchmarkRequest = object(
  {
    benchmark_id: { type: 'string', minLength: 1 },
    dataset_id: { type: 'string', minLength: 1 },
    scoring_functions: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    provider_benchmark_id: nullable({ type: 'string', minLength: 1, description: 'The benchmark at the provider; benchmark_id when absent.' }),
    provider_id: nullable({ type: 'string', minLength: 1, description: 'The eval provider; may be left out when only one is enabled.' }),
    metadata: nullable(anyObject),
  },
  { required: ['benchmark_id', 'dataset_id', 'scoring_functions'], additionalProperties: false, title: 'RegisterBenchmarkRequest' },
);

const systemMessage = object(
  {
    role: { type: 'string', enum: ['system'] },
    content: { anyOf: [text, ref('ToolContentItem'), { type: 'array', items: ref('ToolContentItem') }] },
  },
  { required: ['content'], additionalProperties: false, title: 'EvalSystemMessage', description: 'A system message put before each row\'s messages.' },
);

const modelCandidate = object(
  {
    type: { type: 'string', enum: ['model'] },
    model: { type: 'string', minLength: 1, description: 'The model (served by the inference API) that generates.' },
    sampling_params: ref('AgentSamplingParams'),
    system_message: nullable(ref('EvalSystemMessage')),
  },
  { required: ['model', 'sampling_params'], additionalProperties: false, title: 'ModelCandidate', description: 'A model candidate: each row is a chat completion (or completion) of the model.' },
);

const agentCandidate = object(
  {
    type: { type: 'string', enum: ['agent'] },
    config: ref('AgentConfig'),
  },
  { required: ['type', 'config'], additionalProperties: false, title: 'AgentCandidate', description: 'An agent candidate: an agent made from config answers each row in a session of its own (needs the agents API).' },
);

const benchmarkConfig = object(
  {
    eval_candidate: { anyOf: [ref('ModelCandidate'), ref('AgentCandidate')], tsType: 'ModelCandidate | AgentCandidate' },
    scoring_params: { type: 'object', additionalProperties: ref('ScoringFnParams'), description: 'Scoring function id to params replacing the function\'s own.' },
    num_examples: nullable({ type: 'integer', minimum: 1, description: 'Evaluate only the first rows of the dataset.' }),
  },
  { required: ['eval_candidate'], additionalProperties: false, title: 'BenchmarkConfig' },
);

const evaluateRowsBodyRequest = object(
  {
    input_rows: { type: 'array', items: anyObject, minItems: 1 },
    scoring_functions: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    benchmark_config: ref('BenchmarkConfig'),
  },
  { required: ['input_rows', 'scoring_functions', 'benchmark_config'], additionalProperties: false, title: 'EvaluateRowsBodyRequest' },
);

const runEvalBodyRequest = object({ benchmark_config: ref('BenchmarkConfig') }, { required: ['benchmark_config'], additionalProperties: false, title: 'RunEvalBodyRequest' });

const evaluateResponse = object(
  {
    generations: { type: 'array', items: anyObject, description: 'One per row: `generated_answer`.' },
    scores: { type: 'object', additionalProperties: ref('ScoringResult'), description: 'Scoring function id to its results.' },
  },
  { required: ['generations', 'scores'], title: 'EvaluateResponse' },
);

const jobStatus: JsonSchema = { type: 'string', enum: ['completed', 'in_progress', 'failed', 'scheduled', 'cancelled'], title: 'JobStatus' };

const job = object(
  {
    job_id: text,
    status: ref('JobStatus'),
    rows_done: { type: 'integer', minimum: 0, description: 'Rows generated so far (Cria\'s addition: progress).' },
    rows_total: { type: 'integer', minimum: 0, description: 'Rows the job evaluates, once read.' },
    error: nullable({ ...text, description: 'Why a failed job failed.' }),
  },
  { required: ['job_id', 'status'], title: 'Job', description: 'An eval job.' },
);

export const evalSchemas: Record<string, JsonSchema> = {
  Benchmark: benchmark,
  ListBenchmarksResponse: listBenchmarksResponse,
  RegisterBenchmarkRequest: registerBenchmarkRequest,
  EvalSystemMessage: systemMessage,
  ModelCandidate: modelCandidate,
  AgentCandidate: agentCandidate,
  BenchmarkConfig: benchmarkConfig,
  EvaluateRowsBodyRequest: evaluateRowsBodyRequest,
  RunEvalBodyRequest: runEvalBodyRequest,
  EvaluateResponse: evaluateResponse,
  JobStatus: jobStatus,
  Job: job,
};
