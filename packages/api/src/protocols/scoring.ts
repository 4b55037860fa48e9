import type {
  ListScoringFunctionsResponse,
  RegisterScoringFunctionRequest,
  ScoreBatchRequest,
  ScoreBatchResponse,
  ScoreRequest,
  ScoreResponse,
  ScoringFn,
  ScoringFnParams,
  ScoringFnReturnType,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';
import type { RegisteredResource } from '../registry.js';
import type { DatasetRow } from './datasetio.js';

/**
 * A scoring function (Llama Stack's ScoringFn): `provider_resource_id` names the function at its
 * provider (`equality`, `llm-as-judge-base`, ...); `params` are its defaults, which a score
 * request's params replace.
 */
export interface ScoringFunctionResource extends RegisteredResource {
  type: 'scoring_function';
  description: string | null;
  return_type: ScoringFnReturnType;
  params: ScoringFnParams | null;
  metadata: Record<string, unknown>;
}

/** A function a provider offers at start (Llama Stack's fn_defs), registered with source `listed_from_provider`. */
export interface ScoringFunctionDefinition {
  /** The id clients use (`basic::equality`). */
  identifier: string;
  /** The id at the provider (`equality`). */
  provider_resource_id: string;
  description: string;
  return_type: ScoringFnReturnType;
  params: ScoringFnParams | null;
  metadata?: Record<string, unknown>;
}

/**
 * One row's result: `score` (a number, or what the judge gave, or null when nothing could be
 * parsed), and what the function adds (`judge_feedback`, `weight` for weighted_average, ...).
 */
export type ScoreRow = { score: unknown } & Record<string, unknown>;

/**
 * What a scoring provider implements (Llama Stack's Scoring plus ScoringFunctionsProtocolPrivate).
 * The router resolves the function, works out its params (the request's, else the function's),
 * and aggregates the rows it gets back with the params' aggregation_functions. A row without the
 * columns a function reads throws InvalidRequestError naming `input_rows[i].column`; a judge model
 * that fails throws UpstreamError.
 */
export interface ScoringProvider {
  /** The functions it offers built in, registered at each start. */
  listScoringFunctions(): Promise<ScoringFunctionDefinition[]>;
  /** Checks a function registered through the API; throws InvalidRequestError naming the field when the provider cannot run it. */
  registerScoringFunction?(fn: ScoringFunctionResource): Promise<void>;
  unregisterScoringFunction?(fn: ScoringFunctionResource): Promise<void>;
  /** One score row per input row, in order. */
  scoreRows(fn: ScoringFunctionResource, rows: readonly DatasetRow[], params: ScoringFnParams | null, context: RequestContext): Promise<ScoreRow[]>;
}

/** The scoring-functions routing table and the scoring router in one, as other APIs (eval) see it. */
export interface ScoringApi {
  listScoringFunctions(): Promise<ListScoringFunctionsResponse>;
  /** Throws NotFoundError (param `scoring_fn_id`). */
  getScoringFunction(scoringFnId: string): Promise<ScoringFn>;
  registerScoringFunction(request: RegisterScoringFunctionRequest): Promise<ScoringFn>;
  unregisterScoringFunction(scoringFnId: string): Promise<void>;
  /**
   * Scores rows with each function of `scoring_functions` (id to params or null): each function's
   * `score_rows` (one per input row) and `aggregated_results` (by its aggregation_functions).
   * Unknown functions throw NotFoundError naming `scoring_functions.<id>`.
   */
  score(request: ScoreRequest, context: RequestContext): Promise<ScoreResponse>;
  /**
   * Scores every row of a dataset (read through the datasetio router). With save_results_dataset
   * the input rows, each with its functions' results (`<fn id>` columns holding the score row), are
   * saved as a new dataset whose id is the reply's dataset_id.
   */
  scoreBatch(request: ScoreBatchRequest, context: RequestContext): Promise<ScoreBatchResponse>;
}
