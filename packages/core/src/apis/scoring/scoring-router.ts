import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  type DatasetIOApi,
  type DatasetRow,
  type DistributionScoringFn,
  InvalidRequestError,
  isCriaError,
  type ListScoringFunctionsResponse,
  NotFoundError,
  type ProviderHandle,
  type ProviderLogger,
  type RegisterScoringFunctionRequest,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type ScoreBatchRequest,
  type ScoreBatchResponse,
  type ScoreRequest,
  type ScoreResponse,
  type ScoringApi,
  type ScoringFn,
  type ScoringFnParams,
  type ScoringFunctionResource,
  type ScoringResult,
  UnavailableError,
  UnsupportedError,
  UpstreamError,
} from '@cria/api';
import { aggregateScores } from './scoring-aggregation.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function toScoringFn(fn: ScoringFunctionResource): ScoringFn {
  return {
    identifier: fn.identifier,
    provider_resource_id: fn.provider_resource_id,
    provider_id: fn.provider_id,
    type: 'scoring_function',
    description: fn.description,
    metadata: fn.metadata,
    return_type: fn.return_type,
    params: fn.params,
  };
}

/**
 * The params a function runs with: the request's over the function's own. Of the same type, the
 * fields the request leaves out keep the function's values (so `{type: 'llm_as_judge', judge_model}`
 * swaps only the judge); of another type, the request's replace them, as in Llama Stack.
 */
export function effectiveParams(own: ScoringFnParams | null, requested: ScoringFnParams | null | undefined): ScoringFnParams | null {
  if (!requested) return own;
  if (!own || own.type !== requested.type) return requested;
  return { ...own, ...requested } as ScoringFnParams;
}

const startupContext: RequestContext = { signal: new AbortController().signal, providerData: null };

/**
 * The scoring-functions routing table and the scoring router in one, as Llama Stack's
 * ScoringFunctionsRoutingTable and ScoringRouter: functions are `scoring_function` resources of
 * the registry; each is run at its provider, which scores rows; the router aggregates.
 */
export class ScoringRouter implements ScoringApi, RouterLifecycle {
  private readonly providers = new Map<string, ProviderHandle<'scoring'>>();

  constructor(
    providers: readonly ProviderHandle<'scoring'>[],
    private readonly registry: ResourceRegistry,
    private readonly logger: ProviderLogger,
    /** The distribution's `registered_resources.scoring_fns` (and the older top-level `scoring_fns`). */
    private readonly configured: readonly DistributionScoringFn[],
    private readonly datasetio: DatasetIOApi | null,
  ) {
    for (const handle of providers) this.providers.set(handle.providerId, handle);
  }

  /** Registers each provider's built-in functions, then the distribution's (both in memory: they follow the code and the file). */
  async start(): Promise<void> {
    for (const [providerId, handle] of this.providers) {
      for (const definition of await handle.impl.listScoringFunctions()) {
        const existing = this.registry.get('scoring_function', definition.identifier);
        if (existing && existing.source !== 'listed_from_provider') continue;
        const fn: ScoringFunctionResource = {
          type: 'scoring_function',
          identifier: definition.identifier,
          provider_id: providerId,
          provider_resource_id: definition.provider_resource_id,
          description: definition.description,
          return_type: definition.return_type,
          params: definition.params,
          metadata: definition.metadata ?? {},
          source: 'listed_from_provider',
          created: existing?.created ?? nowSeconds(),
        };
        await this.registry.register(fn, { persist: false, replace: true });
      }
    }
    this.logger.debug('scoring functions listed by the providers', { count: this.registry.list('scoring_function').length });
    for (const [index, input] of this.configured.entries()) {
      if (input.provider_id === '' || input.provider_id === '__disabled__') continue;
      const path = `registered_resources.scoring_fns[${index}]`;
      try {
        const providerId = this.providerFor(input.provider_id ?? null);
        const fn = this.resourceOf({ ...input, description: input.description ?? null, return_type: input.return_type ?? { type: 'number' } }, providerId, 'distribution');
        await this.providers.get(providerId)!.impl.registerScoringFunction?.(fn);
        const existing = this.registry.get('scoring_function', fn.identifier);
        await this.registry.register(fn, { persist: false, replace: existing?.source === 'distribution' || existing?.source === 'listed_from_provider' });
      } catch (error) {
        if (isCriaError(error, 'conflict') || isCriaError(error, 'invalid_request')) throw new ConfigError(path, error.message, { cause: error });
        throw error;
      }
    }
  }

  async listScoringFunctions(): Promise<ListScoringFunctionsResponse> {
    return { data: this.registry.list('scoring_function').filter((fn) => this.providers.has(fn.provider_id)).map(toScoringFn) };
  }

  async getScoringFunction(scoringFnId: string): Promise<ScoringFn> {
    return toScoringFn(this.scoringFunction(scoringFnId, 'scoring_fn_id'));
  }

  async registerScoringFunction(request: RegisterScoringFunctionRequest): Promise<ScoringFn> {
    const providerId = this.providerFor(request.provider_id ?? null);
    const fn = this.resourceOf(request, providerId, 'via_register_api');
    await this.providers.get(providerId)!.impl.registerScoringFunction?.(fn);
    return toScoringFn(await this.registry.register<'scoring_function'>(fn));
  }

  async unregisterScoringFunction(scoringFnId: string): Promise<void> {
    const fn = this.scoringFunction(scoringFnId, 'scoring_fn_id');
    await this.providers.get(fn.provider_id)?.impl.unregisterScoringFunction?.(fn);
    await this.registry.unregister('scoring_function', fn.identifier);
  }

  async score(request: ScoreRequest, context: RequestContext): Promise<ScoreResponse> {
    const functions = Object.entries(request.scoring_functions).map(([id, requested]) => ({ id, fn: this.scoringFunction(id, `scoring_functions.${id}`), requested }));
    const results: Record<string, ScoringResult> = {};
    for (const { id, fn, requested } of functions) results[id] = await this.scoreWith(fn, requested, request.input_rows, context);
    return { results };
  }

  async scoreBatch(request: ScoreBatchRequest, context: RequestContext): Promise<ScoreBatchResponse> {
    if (!this.datasetio) throw new UnsupportedError('score-batch reads rows through the datasetio API, which this distribution does not serve.', { param: 'dataset_id' });
    for (const id of Object.keys(request.scoring_functions)) this.scoringFunction(id, `scoring_functions.${id}`);
    const dataset = await this.datasetio.getDataset(request.dataset_id);
    const rows: DatasetRow[] = [];
    for await (const row of this.datasetio.allRows(dataset.identifier, context)) rows.push(row);
    const { results } = await this.score({ input_rows: rows, scoring_functions: request.scoring_functions }, context);
    if (!request.save_results_dataset) return { results };
    const scoredRows = rows.map((row, index) => {
      const scored: DatasetRow = { ...row };
      for (const [id, result] of Object.entries(results)) scored[id] = result.score_rows[index];
      return scored;
    });
    const saved = await this.datasetio.registerDataset(
      {
        dataset_id: `${dataset.identifier}-scored-${randomUUID().slice(0, 8)}`,
        purpose: dataset.purpose,
        source: { type: 'rows', rows: scoredRows },
        metadata: { scored_dataset_id: dataset.identifier, scoring_functions: Object.keys(results) },
      },
      context,
    );
    return { dataset_id: saved.identifier, results };
  }

  private async scoreWith(fn: ScoringFunctionResource, requested: ScoringFnParams | null | undefined, rows: readonly DatasetRow[], context: RequestContext): Promise<ScoringResult> {
    const params = effectiveParams(fn.params, requested);
    const scoreRows = await this.providers.get(fn.provider_id)!.impl.scoreRows(fn, rows, params, context);
    if (scoreRows.length !== rows.length) {
      throw new UpstreamError(fn.provider_id, `The scoring function '${fn.identifier}' gave ${scoreRows.length} results for ${rows.length} rows.`);
    }
    const aggregations = params && 'aggregation_functions' in params ? (params.aggregation_functions ?? []) : [];
    return { score_rows: scoreRows, aggregated_results: aggregateScores(scoreRows, aggregations, `scoring_functions.${fn.identifier}.aggregation_functions`) };
  }

  private providerFor(named: string | null): string {
    const enabled = () => [...this.providers.keys()].join(', ') || 'none';
    if (named) {
      if (!this.providers.has(named)) throw new InvalidRequestError(`Provider '${named}' not found; the scoring providers are: ${enabled()}.`, { param: 'provider_id' });
      return named;
    }
    if (this.providers.size !== 1) throw new InvalidRequestError(`Name the scoring provider (provider_id): the providers are ${enabled()}.`, { param: 'provider_id' });
    return [...this.providers.keys()][0]!;
  }

  private scoringFunction(id: string, param: string): ScoringFunctionResource {
    const fn = this.registry.get('scoring_function', id);
    if (!fn || !this.providers.has(fn.provider_id)) {
      throw new NotFoundError('scoring_function', id, `Scoring function '${id}' not found. Use GET /v1/scoring-functions to list them.`, { param, code: 'scoring_function_not_found' });
    }
    const reason = this.registry.unavailableReason('scoring_function', fn.identifier);
    if (reason) throw new UnavailableError(`Scoring function '${fn.identifier}' is unavailable: ${reason}`, { param });
    return fn;
  }

  private resourceOf(
    input: Pick<RegisterScoringFunctionRequest, 'scoring_fn_id' | 'provider_scoring_fn_id' | 'params' | 'return_type'> & { description: string | null; metadata?: Record<string, unknown> | null },
    providerId: string,
    origin: ScoringFunctionResource['source'],
  ): ScoringFunctionResource {
    return {
      type: 'scoring_function',
      identifier: input.scoring_fn_id,
      provider_id: providerId,
      provider_resource_id: input.provider_scoring_fn_id || input.scoring_fn_id,
      description: input.description,
      return_type: input.return_type,
      params: input.params ?? null,
      metadata: input.metadata ?? {},
      source: origin,
      created: nowSeconds(),
    };
  }
}
