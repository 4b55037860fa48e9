import { randomUUID } from 'node:crypto';
import { type Context, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  type AgentsApi,
  type ApiRouters,
  type BenchmarkConfig,
  type BenchmarkResource,
  type DatasetRow,
  type EvalProvider,
  type EvaluateResponse,
  type EvaluateRowsBodyRequest,
  InvalidRequestError,
  type Job,
  type KvStore,
  type ModelCandidate,
  NotFoundError,
  type ProviderContext,
  type ProviderLogger,
  type RequestContext,
  type TraceContext,
  UpstreamError,
} from '@cria/api';
import { type TraceCarrier, traceCarrier, traceContextFromCarrier, traceLogFields } from '@cria/provider-utils';
import type { BuiltinEvalConfig } from './eval-config.js';
import { chatMessages, contentText, generationInput, isAgentCandidate, samplingFields } from './eval-generation.js';

/** What the provider calls: the server's own routers. */
export type EvalDependencies = ApiRouters<'inference' | 'datasetio' | 'scoring', 'agents'>;

type JobStatus = Job['status'];
type Generation = { generated_answer: string; context?: string };

/** A job as kept in the kv store (`job:<id>`); its generations are `generation:<id>:<row>`, its result `result:<id>`. */
interface StoredJob {
  job_id: string;
  benchmark_id: string;
  /** The benchmark as it was when the job started. */
  dataset_id: string;
  scoring_functions: string[];
  status: JobStatus;
  benchmark_config: BenchmarkConfig;
  rows_done: number;
  rows_total: number | null;
  error: string | null;
  created_at: number;
}

/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/provider-eval-builtin');

/** Where a traced job keeps the trace context of the request that started it, until it ends: a run resumed after a restart continues that trace. */
const traceKey = (jobId: string) => `trace:${jobId}`;

/** A job running here: `controller` aborts its generations (cancel, shutdown). */
interface JobRun {
  controller: AbortController;
  stop: 'cancel' | 'shutdown' | null;
  finished: Promise<void>;
}

/** The tool names of a builtin::rag search in a turn's steps: Llama Stack's, and the Responses engine's these agents run on. */
const RETRIEVAL_TOOLS: ReadonlySet<string> = new Set(['knowledge_search', 'file_search']);
const ENDED: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);
const jobKey = (jobId: string) => `job:${jobId}`;
const generationPrefix = (jobId: string) => `generation:${jobId}:`;
const generationKey = (jobId: string, row: number) => `${generationPrefix(jobId)}${String(row).padStart(9, '0')}`;
const resultKey = (jobId: string) => `result:${jobId}`;

/** Runs `work` on each item, at most `limit` at once, stopping at the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Llama Stack's meta-reference eval (`inline::builtin`): each row answered by the candidate (a
 * model through the inference API, or an agent through the agents API: an agent per evaluation, a
 * session and a turn per row), the answers scored through the scoring API. Jobs run in the
 * background, at most `max_concurrent_jobs` at once, each generation stored as it completes; a job
 * a stopped server left unfinished resumes at start, skipping the rows already generated.
 */
export class BuiltinEval implements EvalProvider {
  private readonly live = new Map<string, StoredJob>();
  private readonly runs = new Map<string, JobRun>();
  /** Provider data of the requests that started the jobs (kept in memory only: it may hold credentials). */
  private readonly providerData = new Map<string, RequestContext['providerData']>();
  /** The trace contexts of traced requests that started jobs not yet run (in memory, as provider data: a job resumed after a restart is not traced). */
  private readonly creatingTraces = new Map<string, TraceContext>();
  private readonly queue: string[] = [];
  private running = 0;
  private closing = false;

  private constructor(
    private readonly config: BuiltinEvalConfig,
    private readonly kv: KvStore,
    private readonly deps: EvalDependencies,
    private readonly logger: ProviderLogger,
    private readonly providerId: string,
  ) {}

  static async create(config: BuiltinEvalConfig, context: ProviderContext<EvalDependencies>): Promise<BuiltinEval> {
    return new BuiltinEval(config, await context.storage.kv(config.kvstore), context.deps, context.logger, context.providerId);
  }

  async start(): Promise<void> {
    const stored = await this.kv.valuesInRange<StoredJob>('job:', 'job:\uffff');
    const unfinished = stored.filter((job) => !ENDED.has(job.status)).sort((a, b) => a.created_at - b.created_at);
    for (const job of unfinished) {
      this.live.set(job.job_id, job);
      this.enqueue(job.job_id);
    }
    if (unfinished.length) this.logger.info('resuming unfinished eval jobs', { jobs: unfinished.map((job) => job.job_id) });
  }

  async evaluateRows(benchmark: BenchmarkResource, request: EvaluateRowsBodyRequest, context: RequestContext): Promise<EvaluateResponse> {
    this.checkCandidate(request.benchmark_config);
    const rows = request.input_rows as DatasetRow[];
    rows.forEach((row, index) => generationInput(row, index));
    const generations: Generation[] = new Array(rows.length);
    await this.generateAll(request.benchmark_config, rows, context, async (index, generation) => {
      generations[index] = generation;
    });
    return this.score(rows, generations, request.scoring_functions, request.benchmark_config, context);
  }

  async runEval(benchmark: BenchmarkResource, config: BenchmarkConfig, context: RequestContext): Promise<Job> {
    this.checkCandidate(config);
    const job: StoredJob = {
      job_id: `evaljob-${randomUUID()}`,
      benchmark_id: benchmark.identifier,
      dataset_id: benchmark.dataset_id,
      scoring_functions: [...benchmark.scoring_functions],
      status: 'scheduled',
      benchmark_config: config,
      rows_done: 0,
      rows_total: null,
      error: null,
      created_at: Date.now(),
    };
    this.live.set(job.job_id, job);
    this.providerData.set(job.job_id, context.providerData);
    if (context.traceContext) {
      this.creatingTraces.set(job.job_id, context.traceContext);
      const carrier = traceCarrier(context.traceContext);
      if (carrier) await this.kv.set(traceKey(job.job_id), carrier);
    }
    await this.save(job);
    this.enqueue(job.job_id);
    return this.reply(job);
  }

  async jobStatus(benchmark: BenchmarkResource, jobId: string): Promise<Job> {
    return this.reply(await this.job(benchmark, jobId));
  }

  async cancelJob(benchmark: BenchmarkResource, jobId: string): Promise<void> {
    const job = await this.job(benchmark, jobId);
    if (ENDED.has(job.status)) return;
    job.status = 'cancelled';
    const queued = this.queue.indexOf(jobId);
    if (queued !== -1) this.queue.splice(queued, 1);
    const run = this.runs.get(jobId);
    if (run) {
      run.stop ??= 'cancel';
      run.controller.abort(new Error('The eval job was cancelled.'));
    }
    await this.save(job);
  }

  async jobResult(benchmark: BenchmarkResource, jobId: string): Promise<EvaluateResponse> {
    const job = await this.job(benchmark, jobId);
    if (job.status !== 'completed') {
      throw new InvalidRequestError(`Job '${jobId}' is not completed: its status is ${job.status}${job.error ? ` (${job.error})` : ''}.`, { param: 'job_id', code: 'job_not_completed' });
    }
    const result = await this.kv.get<EvaluateResponse>(resultKey(jobId));
    if (!result) throw new NotFoundError('eval_job_result', jobId, `The result of job '${jobId}' is missing from the store.`, { param: 'job_id' });
    return result;
  }

  async unregisterBenchmark(benchmark: BenchmarkResource): Promise<void> {
    const jobs = await this.kv.valuesInRange<StoredJob>('job:', 'job:\uffff');
    for (const stored of jobs.filter((job) => job.benchmark_id === benchmark.identifier)) {
      const job = this.live.get(stored.job_id) ?? stored;
      if (!ENDED.has(job.status)) await this.cancelJob(benchmark, job.job_id);
      await this.forget(job.job_id);
    }
  }

  /** Stops the jobs running; they stay `in_progress` in the store and resume at the next start. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    const runs = [...this.runs.values()];
    for (const run of runs) {
      run.stop ??= 'shutdown';
      run.controller.abort(new Error('The server is shutting down.'));
    }
    await Promise.all(runs.map((run) => run.finished));
  }

  private checkCandidate(config: BenchmarkConfig): void {
    if (isAgentCandidate(config.eval_candidate) && !this.deps.agents) {
      throw new InvalidRequestError('An agent candidate runs through the agents API, which this distribution does not serve (providers.agents).', { param: 'benchmark_config.eval_candidate' });
    }
  }

  private enqueue(jobId: string): void {
    this.queue.push(jobId);
    this.pump();
  }

  private pump(): void {
    while (!this.closing && this.running < this.config.max_concurrent_jobs && this.queue.length) {
      const jobId = this.queue.shift()!;
      const job = this.live.get(jobId);
      if (!job || ENDED.has(job.status)) continue;
      this.running++;
      const run: JobRun = { controller: new AbortController(), stop: null, finished: Promise.resolve() };
      this.runs.set(jobId, run);
      run.finished = this.runJob(job, run).finally(() => {
        this.runs.delete(jobId);
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * Runs a job; when the request that started it was traced, in a `run_eval` span under that
   * request's (which it outlives), its generations and scoring as children. A run resumed after a
   * restart finds that span's context in the store.
   */
  private async runJob(job: StoredJob, run: JobRun): Promise<void> {
    const parent = (this.creatingTraces.get(job.job_id) ?? traceContextFromCarrier(await this.kv.get<TraceCarrier>(traceKey(job.job_id)).catch(() => undefined))) as Context | undefined;
    this.creatingTraces.delete(job.job_id);
    const span = parent && tracer().startSpan('run_eval', { attributes: { 'cria.eval.job_id': job.job_id, 'cria.benchmark_id': job.benchmark_id, 'cria.dataset_id': job.dataset_id } }, parent);
    const context: RequestContext = { signal: run.controller.signal, providerData: this.providerData.get(job.job_id) ?? null, ...(span ? { traceContext: trace.setSpan(parent!, span) } : {}) };
    try {
      await this.evaluate(job, run, context);
    } finally {
      if (span) {
        span.setAttribute('cria.eval.status', run.stop === 'shutdown' ? 'interrupted' : job.status);
        span.setAttribute('cria.eval.rows_done', job.rows_done);
        if (job.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: job.error ?? 'The eval job failed.' });
        span.end();
      }
      if (run.stop !== 'shutdown') await this.kv.delete(traceKey(job.job_id)).catch(() => undefined);
    }
  }

  /** The job's rows read, generated and scored, its state saved as it goes; a failure is the job's. */
  private async evaluate(job: StoredJob, run: JobRun, context: RequestContext): Promise<void> {
    try {
      job.status = 'in_progress';
      await this.save(job);
      const rows: DatasetRow[] = [];
      const limit = job.benchmark_config.num_examples ?? Infinity;
      for await (const row of this.deps.datasetio.allRows(job.dataset_id, context)) {
        if (rows.length >= limit) break;
        rows.push(row);
      }
      rows.forEach((row, index) => generationInput(row, index));
      const generations: Generation[] = new Array(rows.length);
      const stored = await this.kv.keysInRange(generationPrefix(job.job_id), `${generationPrefix(job.job_id)}\uffff`);
      for (const key of stored) {
        const index = Number(key.slice(generationPrefix(job.job_id).length));
        if (index < rows.length) generations[index] = (await this.kv.get<Generation>(key))!;
      }
      job.rows_total = rows.length;
      job.rows_done = generations.filter(Boolean).length;
      await this.save(job);
      await this.generateAll(job.benchmark_config, rows, context, async (index, generation) => {
        await this.kv.set(generationKey(job.job_id, index), generation);
        generations[index] = generation;
        job.rows_done++;
        await this.save(job);
      }, new Set(generations.flatMap((generation, index) => (generation ? [index] : []))));
      const result = await this.score(rows, generations, job.scoring_functions, job.benchmark_config, context);
      if (run.stop) return;
      await this.kv.set(resultKey(job.job_id), result);
      job.status = 'completed';
      await this.save(job);
      this.providerData.delete(job.job_id);
    } catch (error) {
      if (run.stop === 'shutdown') return;
      if (run.stop === 'cancel' || job.status === 'cancelled') return;
      job.status = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
      this.logger.warn('eval job failed', { job_id: job.job_id, error: job.error, ...traceLogFields(context.traceContext) });
      await this.save(job);
      this.providerData.delete(job.job_id);
    }
  }

  /** Generates the rows not in `skip`, `max_concurrent_generations` at once; `done` gets each as it completes. */
  private async generateAll(config: BenchmarkConfig, rows: readonly DatasetRow[], context: RequestContext, done: (index: number, generation: Generation) => Promise<void>, skip: ReadonlySet<number> = new Set()): Promise<void> {
    const candidate = config.eval_candidate;
    const agentId = isAgentCandidate(candidate) ? (await this.deps.agents!.createAgent({ agent_config: candidate.config }, context)).agent_id : null;
    try {
      const pending = rows.map((_, index) => index).filter((index) => !skip.has(index));
      await eachLimited(pending, this.config.max_concurrent_generations, async (index) => {
        context.signal.throwIfAborted();
        const generation = agentId ? await this.agentAnswer(this.deps.agents!, agentId, rows[index]!, index, context) : { generated_answer: await this.modelAnswer(candidate as ModelCandidate, rows[index]!, index, context) };
        await done(index, generation);
      });
    } finally {
      if (agentId) await this.deps.agents!.deleteAgent(agentId).catch(() => undefined);
    }
  }

  private async modelAnswer(candidate: ModelCandidate, row: DatasetRow, index: number, context: RequestContext): Promise<string> {
    const input = generationInput(row, index);
    const sampling = samplingFields(candidate.sampling_params);
    if (input.kind === 'completion') {
      const completion = await this.deps.inference.completion({ model: candidate.model, prompt: input.prompt, ...sampling, stream: false }, context);
      return completion.choices[0]?.text ?? '';
    }
    const completion = await this.deps.inference.chatCompletion({ model: candidate.model, messages: chatMessages(candidate, input), ...sampling, stream: false, store: false }, context);
    const content = completion.choices[0]?.message.content;
    if (typeof content !== 'string') throw new UpstreamError(this.providerId, `The model '${candidate.model}' answered row ${index} without text content.`);
    return content;
  }

  /** As Llama Stack's meta-reference eval: a session per row, its user messages sent as one turn; what a retrieval step found kept as the row's `context`. */
  private async agentAnswer(agents: AgentsApi, agentId: string, row: DatasetRow, index: number, context: RequestContext): Promise<Generation> {
    const input = generationInput(row, index);
    const messages = input.kind === 'completion' ? [input.prompt] : input.messages.filter((message) => message.role === 'user').map((message) => message.content);
    const { session_id: sessionId } = await agents.createSession(agentId, { session_name: `eval-row-${index}` });
    const turn = await agents.createTurn(agentId, sessionId, { messages: messages.map((content) => ({ role: 'user' as const, content })), stream: false }, context);
    const retrieved = turn.steps.flatMap((step) => (step.step_type === 'tool_execution' ? step.tool_responses : [])).filter((response) => RETRIEVAL_TOOLS.has(response.tool_name));
    const generation: Generation = { generated_answer: contentText(turn.output_message.content) };
    if (retrieved.length) generation.context = retrieved.map((response) => contentText(response.content)).join(' ');
    return generation;
  }

  private async score(rows: readonly DatasetRow[], generations: readonly Generation[], scoringFunctions: readonly string[], config: BenchmarkConfig, context: RequestContext): Promise<EvaluateResponse> {
    const scored = rows.map((row, index) => ({ ...row, ...generations[index] }));
    const functions = Object.fromEntries(scoringFunctions.map((id) => [id, config.scoring_params?.[id] ?? null]));
    const { results } = await this.deps.scoring.score({ input_rows: scored, scoring_functions: functions }, context);
    return { generations: [...generations], scores: results };
  }

  private async job(benchmark: BenchmarkResource, jobId: string): Promise<StoredJob> {
    const job = this.live.get(jobId) ?? (await this.kv.get<StoredJob>(jobKey(jobId)));
    if (!job || job.benchmark_id !== benchmark.identifier) {
      throw new NotFoundError('eval_job', jobId, `Job '${jobId}' of benchmark '${benchmark.identifier}' not found.`, { param: 'job_id', code: 'job_not_found' });
    }
    return job;
  }

  private reply(job: StoredJob): Job {
    return { job_id: job.job_id, status: job.status, rows_done: job.rows_done, ...(job.rows_total === null ? {} : { rows_total: job.rows_total }), ...(job.error ? { error: job.error } : {}) };
  }

  private async save(job: StoredJob): Promise<void> {
    await this.kv.set(jobKey(job.job_id), job);
    if (ENDED.has(job.status)) this.live.delete(job.job_id);
    else this.live.set(job.job_id, job);
  }

  private async forget(jobId: string): Promise<void> {
    for (const key of await this.kv.keysInRange(generationPrefix(jobId), `${generationPrefix(jobId)}\uffff`)) await this.kv.delete(key);
    await this.kv.delete(resultKey(jobId));
    await this.kv.delete(jobKey(jobId));
    this.live.delete(jobId);
  }
}
