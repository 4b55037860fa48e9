import type {
  Benchmark,
  BenchmarkConfig,
  EvaluateResponse,
  EvaluateRowsBodyRequest,
  Job,
  ListBenchmarksResponse,
  RegisterBenchmarkRequest,
  RunEvalBodyRequest,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';
import type { RegisteredResource } from '../registry.js';

/** A benchmark (Llama Stack's Benchmark): a dataset and the scoring functions its generations are scored with. */
export interface BenchmarkResource extends RegisteredResource {
  type: 'benchmark';
  dataset_id: string;
  scoring_functions: string[];
  metadata: Record<string, unknown>;
}

/**
 * What an eval provider implements (Llama Stack's Eval plus BenchmarksProtocolPrivate). The router
 * resolves the benchmark through the registry; the provider generates (with the candidate) and
 * scores (through the scoring API). A row it cannot generate from throws InvalidRequestError
 * naming `input_rows[i]`; an agent candidate without an agents API throws InvalidRequestError
 * naming `benchmark_config.eval_candidate`; an unknown job throws NotFoundError (param `job_id`).
 */
export interface EvalProvider {
  /** Called once the eval router has started (its dependencies are up): resumes the jobs a stopped server left unfinished. */
  start?(): Promise<void>;
  /** Checks a benchmark before it is registered; throws InvalidRequestError naming the field when the provider cannot run it. */
  registerBenchmark?(benchmark: BenchmarkResource): Promise<void>;
  /** Forgets what the provider keeps for the benchmark (its jobs stay readable until then). */
  unregisterBenchmark?(benchmark: BenchmarkResource): Promise<void>;
  /** Generates for each row and scores the generations, while the request waits. */
  evaluateRows(benchmark: BenchmarkResource, request: EvaluateRowsBodyRequest, context: RequestContext): Promise<EvaluateResponse>;
  /** Starts a job over the benchmark's dataset (its first num_examples rows) in the background; answers it `scheduled` or `in_progress`. */
  runEval(benchmark: BenchmarkResource, config: BenchmarkConfig, context: RequestContext): Promise<Job>;
  jobStatus(benchmark: BenchmarkResource, jobId: string): Promise<Job>;
  /** Cancels a job not yet ended (rows in flight are aborted); an ended job is left as it is. */
  cancelJob(benchmark: BenchmarkResource, jobId: string): Promise<void>;
  /** A completed job's result; a job not completed throws InvalidRequestError (param `job_id`) saying its status. */
  jobResult(benchmark: BenchmarkResource, jobId: string): Promise<EvaluateResponse>;
}

/** The benchmarks routing table and the eval router in one (Llama Stack's Benchmarks and Eval). */
export interface EvalApi {
  listBenchmarks(): Promise<ListBenchmarksResponse>;
  /** Throws NotFoundError (param `benchmark_id`). */
  getBenchmark(benchmarkId: string): Promise<Benchmark>;
  /** Registers a benchmark; its dataset and scoring functions must be registered (NotFoundError naming the field). */
  registerBenchmark(request: RegisterBenchmarkRequest): Promise<Benchmark>;
  unregisterBenchmark(benchmarkId: string): Promise<void>;
  evaluateRows(benchmarkId: string, request: EvaluateRowsBodyRequest, context: RequestContext): Promise<EvaluateResponse>;
  runEval(benchmarkId: string, request: RunEvalBodyRequest, context: RequestContext): Promise<Job>;
  jobStatus(benchmarkId: string, jobId: string): Promise<Job>;
  cancelJob(benchmarkId: string, jobId: string): Promise<void>;
  jobResult(benchmarkId: string, jobId: string): Promise<EvaluateResponse>;
}
