import type { AgentsApi, AgentsProvider } from './protocols/agents.js';
import type { BatchesApi, BatchesProvider } from './protocols/batches.js';
import type { FileProcessorsApi, FileProcessorsProvider } from './protocols/file-processors.js';
import type { ConversationsApi } from './protocols/conversations.js';
import type { FilesApi, FilesProvider } from './protocols/files.js';
import type { InferenceApi, InferenceProvider, ModelsApi } from './protocols/inference.js';
import type { InspectApi, ProvidersApi } from './protocols/inspect.js';
import type { PromptsApi } from './protocols/prompts.js';
import type { ResponsesApi, ResponsesProvider } from './protocols/responses.js';
import type { SafetyApi, SafetyProvider } from './protocols/safety.js';
import type { DatasetIOApi, DatasetIOProvider } from './protocols/datasetio.js';
import type { ScoringApi, ScoringProvider } from './protocols/scoring.js';
import type { EvalApi, EvalProvider } from './protocols/eval.js';
import type { TelemetryApi, TelemetryProvider } from './protocols/telemetry.js';
import type { ToolRuntimeApi, ToolRuntimeProvider } from './protocols/tool-runtime.js';
import type { VectorIOProvider } from './protocols/vector-io.js';
import type { VectorIOApi } from './protocols/vector-stores.js';

/**
 * The typed map of APIs: for each API (Llama Stack's name), what its providers implement and
 * what its router offers to routes and to other APIs. `defineProvider({ api: 'inference' })`
 * requires `CriaApis['inference']['provider']`, and `stack.api('vector_io')` returns
 * `CriaApis['vector_io']['router']`, with no casts.
 *
 * A package that adds an API extends the map by declaration merging:
 *
 * ```ts
 * declare module '@cria/api' {
 *   interface CriaApis {
 *     greetings: { provider: GreetingsProvider; router: GreetingsApi };
 *   }
 * }
 * ```
 *
 * APIs the core serves on its own (models, prompts, conversations, inspect, providers) have `provider: never`.
 */
export interface CriaApis {
  inference: { provider: InferenceProvider; router: InferenceApi };
  models: { provider: never; router: ModelsApi };
  files: { provider: FilesProvider; router: FilesApi };
  vector_io: { provider: VectorIOProvider; router: VectorIOApi };
  tool_runtime: { provider: ToolRuntimeProvider; router: ToolRuntimeApi };
  prompts: { provider: never; router: PromptsApi };
  responses: { provider: ResponsesProvider; router: ResponsesApi };
  agents: { provider: AgentsProvider; router: AgentsApi };
  conversations: { provider: never; router: ConversationsApi };
  safety: { provider: SafetyProvider; router: SafetyApi };
  datasetio: { provider: DatasetIOProvider; router: DatasetIOApi };
  scoring: { provider: ScoringProvider; router: ScoringApi };
  eval: { provider: EvalProvider; router: EvalApi };
  telemetry: { provider: TelemetryProvider; router: TelemetryApi };
  inspect: { provider: never; router: InspectApi };
  providers: { provider: never; router: ProvidersApi };
  batches: { provider: BatchesProvider; router: BatchesApi };
  file_processors: { provider: FileProcessorsProvider; router: FileProcessorsApi };
}

/** The name of an API in the map. */
export type ApiName = keyof CriaApis & string;

/** What an API's router offers. */
export type ApiRouter<A extends ApiName> = CriaApis[A]['router'];

/** What a provider of the API implements (`never` for APIs the core serves alone). */
export type ApiProvider<A extends ApiName> = CriaApis[A]['provider'];

/** The APIs providers implement. */
export type ProviderApiName = { [A in ApiName]: [ApiProvider<A>] extends [never] ? never : A }[ApiName];

/** Routers by API name, as a provider or API module receives its dependencies. */
export type ApiRouters<Required extends ApiName = never, Optional extends ApiName = never> = { [A in Required]: ApiRouter<A> } & { [A in Optional]?: ApiRouter<A> };
