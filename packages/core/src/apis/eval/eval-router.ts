import {
  type Benchmark,
  type BenchmarkResource,
  ConfigError,
  type DatasetIOApi,
  type DistributionBenchmark,
  type EvalApi,
  type EvaluateResponse,
  type EvaluateRowsBodyRequest,
  InvalidRequestError,
  isCriaError,
  type Job,
  type ListBenchmarksResponse,
  NotFoundError,
  type ProviderHandle,
  type ProviderLogger,
  type RegisterBenchmarkRequest,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type RunEvalBodyRequest,
  type ScoringApi,
  UnavailableError,
} from '@cria/api';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function toBenchmark(benchmark: BenchmarkResource): Benchmark {
  return {
    identifier: benchmark.identifier,
    provider_resource_id: benchmark.provider_resource_id,
    provider_id: benchmark.provider_id,
    type: 'benchmark',
    dataset_id: benchmark.dataset_id,
    scoring_functions: benchmark.scoring_functions,
    metadata: benchmark.metadata,
  };
}

/**
 * The benchmarks routing table and the eval router in one, as Llama Stack's
 * BenchmarksRoutingTable and EvalRouter: benchmarks are `benchmark` resources of the registry,
 * checked against the datasets and scoring functions they name; evaluation runs at the
 * benchmark's provider.
 */
export class EvalRouter implements EvalApi, RouterLifecycle {
  private readonly providers = new Map<string, ProviderHandle<'eval'>>();

  constructor(
    providers: readonly ProviderHandle<'eval'>[],
    private readonly registry: ResourceRegistry,
    private readonly logger: ProviderLogger,
    /** The distribution's `registered_resources.benchmarks` (and the older top-level `benchmarks`). */
    private readonly configured: readonly DistributionBenchmark[],
    private readonly datasetio: DatasetIOApi,
    private readonly scoring: ScoringApi,
  ) {
    for (const handle of providers) this.providers.set(handle.providerId, handle);
  }

  /** Registers the distribution's benchmarks (in memory: they follow the file). */
  async start(): Promise<void> {
    for (const [index, input] of this.configured.entries()) {
      if (input.provider_id === '' || input.provider_id === '__disabled__') continue;
      const path = `registered_resources.benchmarks[${index}]`;
      try {
        const benchmark = await this.checked(input, 'distribution');
        const existing = this.registry.get('benchmark', benchmark.identifier);
        await this.registry.register(benchmark, { persist: false, replace: existing?.source === 'distribution' });
      } catch (error) {
        if (isCriaError(error, 'conflict') || isCriaError(error, 'invalid_request') || isCriaError(error, 'not_found')) throw new ConfigError(path, error.message, { cause: error });
        throw error;
      }
    }
    this.logger.debug('benchmarks registered', { count: this.registry.list('benchmark').length });
    for (const handle of this.providers.values()) await handle.impl.start?.();
  }

  async listBenchmarks(): Promise<ListBenchmarksResponse> {
    return { data: this.registry.list('benchmark').filter((benchmark) => this.providers.has(benchmark.provider_id)).map(toBenchmark) };
  }

  async getBenchmark(benchmarkId: string): Promise<Benchmark> {
    return toBenchmark(this.benchmark(benchmarkId));
  }

  async registerBenchmark(request: RegisterBenchmarkRequest): Promise<Benchmark> {
    const benchmark = await this.checked(request, 'via_register_api');
    return toBenchmark(await this.registry.register<'benchmark'>(benchmark));
  }

  async unregisterBenchmark(benchmarkId: string): Promise<void> {
    const benchmark = this.benchmark(benchmarkId);
    await this.providers.get(benchmark.provider_id)?.impl.unregisterBenchmark?.(benchmark);
    await this.registry.unregister('benchmark', benchmark.identifier);
  }

  async evaluateRows(benchmarkId: string, request: EvaluateRowsBodyRequest, context: RequestContext): Promise<EvaluateResponse> {
    const benchmark = this.benchmark(benchmarkId);
    for (const id of request.scoring_functions) await this.scoring.getScoringFunction(id).catch(renamed(`scoring_functions`));
    return this.provider(benchmark).evaluateRows(benchmark, request, context);
  }

  async runEval(benchmarkId: string, request: RunEvalBodyRequest, context: RequestContext): Promise<Job> {
    const benchmark = this.benchmark(benchmarkId);
    return this.provider(benchmark).runEval(benchmark, request.benchmark_config, context);
  }

  async jobStatus(benchmarkId: string, jobId: string): Promise<Job> {
    const benchmark = this.benchmark(benchmarkId);
    return this.provider(benchmark).jobStatus(benchmark, jobId);
  }

  async cancelJob(benchmarkId: string, jobId: string): Promise<void> {
    const benchmark = this.benchmark(benchmarkId);
    await this.provider(benchmark).cancelJob(benchmark, jobId);
  }

  async jobResult(benchmarkId: string, jobId: string): Promise<EvaluateResponse> {
    const benchmark = this.benchmark(benchmarkId);
    return this.provider(benchmark).jobResult(benchmark, jobId);
  }

  /** A benchmark resource from a request or the distribution, once its dataset, scoring functions and provider are known. */
  private async checked(input: RegisterBenchmarkRequest | DistributionBenchmark, origin: BenchmarkResource['source']): Promise<BenchmarkResource> {
    const providerId = this.providerFor(input.provider_id ?? null);
    await this.datasetio.getDataset(input.dataset_id).catch(renamed('dataset_id'));
    for (const [index, id] of input.scoring_functions.entries()) await this.scoring.getScoringFunction(id).catch(renamed(`scoring_functions[${index}]`));
    const benchmark: BenchmarkResource = {
      type: 'benchmark',
      identifier: input.benchmark_id,
      provider_id: providerId,
      provider_resource_id: input.provider_benchmark_id || input.benchmark_id,
      dataset_id: input.dataset_id,
      scoring_functions: [...input.scoring_functions],
      metadata: input.metadata ?? {},
      source: origin,
      created: nowSeconds(),
    };
    await this.providers.get(providerId)!.impl.registerBenchmark?.(benchmark);
    return benchmark;
  }

  private providerFor(named: string | null): string {
    const enabled = () => [...this.providers.keys()].join(', ') || 'none';
    if (named) {
      if (!this.providers.has(named)) throw new InvalidRequestError(`Provider '${named}' not found; the eval providers are: ${enabled()}.`, { param: 'provider_id' });
      return named;
    }
    if (this.providers.size !== 1) throw new InvalidRequestError(`Name the eval provider (provider_id): the providers are ${enabled()}.`, { param: 'provider_id' });
    return [...this.providers.keys()][0]!;
  }

  private provider(benchmark: BenchmarkResource) {
    return this.providers.get(benchmark.provider_id)!.impl;
  }

  private benchmark(id: string): BenchmarkResource {
    const benchmark = this.registry.get('benchmark', id);
    if (!benchmark || !this.providers.has(benchmark.provider_id)) {
      throw new NotFoundError('benchmark', id, `Benchmark '${id}' not found. Use GET /v1alpha/eval/benchmarks to list them.`, { param: 'benchmark_id', code: 'benchmark_not_found' });
    }
    const reason = this.registry.unavailableReason('benchmark', benchmark.identifier);
    if (reason) throw new UnavailableError(`Benchmark '${benchmark.identifier}' is unavailable: ${reason}`, { param: 'benchmark_id' });
    return benchmark;
  }
}

/** Rethrows a NotFoundError of another API naming this request's field. */
function renamed(param: string): (error: unknown) => never {
  return (error) => {
    if (isCriaError(error, 'not_found')) {
      const missing = error as NotFoundError;
      throw new NotFoundError(missing.resourceType, missing.resourceId, missing.message, { param, cause: error });
    }
    throw error;
  };
}
