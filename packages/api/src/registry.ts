import type { ModelType } from './generated/api-types.js';
import type { ShieldResource } from './protocols/safety.js';
import type { DatasetResource } from './protocols/datasetio.js';
import type { ScoringFunctionResource } from './protocols/scoring.js';
import type { BenchmarkResource } from './protocols/eval.js';

/** Who registered a resource (Llama Stack's `owner`, set when access control knows the user). */
export interface ResourceOwner {
  principal: string;
  attributes?: Record<string, string[]> | null;
}

/**
 * Where a registered resource came from, in Llama Stack's words, plus `distribution` for the
 * distribution's `registered_resources` (re-registered at every start, so they follow the file).
 */
export type ResourceSource = 'via_register_api' | 'listed_from_provider' | 'distribution';

/** What every registrable resource has (Llama Stack's RoutableObjectWithProvider). */
export interface RegisteredResource {
  /** Llama Stack's resource type: `model`, `vector_store`, `shield`, `tool_group`, `dataset`, ... */
  type: string;
  /** The id clients use. */
  identifier: string;
  provider_id: string;
  /** The id at the provider. */
  provider_resource_id: string;
  owner?: ResourceOwner | null;
  source: ResourceSource;
  /** Seconds since the epoch when it was first registered. */
  created: number;
  /** Other names that resolve to it (an unprefixed `model_id` from the distribution). */
  aliases?: readonly string[];
}

export interface ModelResource extends RegisteredResource {
  type: 'model';
  model_type: ModelType;
  metadata: Record<string, unknown>;
}

export interface VectorStoreResource extends RegisteredResource {
  type: 'vector_store';
  embedding_model: string;
  embedding_dimension: number;
  vector_store_name?: string | null;
}

/** A tool group (Llama Stack's ToolGroup): its tools come from its provider, at an MCP server for `remote::model-context-protocol`. */
export interface ToolGroupResource extends RegisteredResource {
  type: 'tool_group';
  mcp_endpoint: { uri: string } | null;
  args: Record<string, unknown> | null;
}

/**
 * The resource types the registry knows, by type name. Packages that add a registrable resource
 * extend it by declaration merging, as with CriaApis.
 */
export interface RegistryResources {
  model: ModelResource;
  vector_store: VectorStoreResource;
  tool_group: ToolGroupResource;
  shield: ShieldResource;
  dataset: DatasetResource;
  scoring_function: ScoringFunctionResource;
  benchmark: BenchmarkResource;
}

export type ResourceType = keyof RegistryResources & string;

/**
 * The one registry of resources every API uses: register, unregister, list, get by identifier or
 * alias, an unavailable state, persistence in the distribution's metadata kv store, and refresh
 * from what providers list. Reads are from memory and synchronous.
 */
export interface ResourceRegistry {
  /**
   * Registers a resource. Registering the same identifier again with the same fields is a no-op;
   * with different fields it throws ConflictError (unregister first), as Llama Stack does. An
   * alias already naming another resource is a ConflictError too. `persist: false` keeps it in
   * memory only (the distribution's own resources, registered again at each start).
   */
  register<T extends ResourceType>(resource: RegistryResources[T], options?: { persist?: boolean; replace?: boolean }): Promise<RegistryResources[T]>;
  unregister(type: ResourceType, identifier: string): Promise<void>;
  /** By identifier or alias. */
  get<T extends ResourceType>(type: T, identifierOrAlias: string): RegistryResources[T] | undefined;
  list<T extends ResourceType>(type: T, filter?: { providerId?: string }): RegistryResources[T][];
  /** Marks a resource unusable now (its provider is missing, its file not downloaded), or usable again with null. */
  setUnavailable(type: ResourceType, identifier: string, reason: string | null): void;
  /** Why a resource is unusable, or null. */
  unavailableReason(type: ResourceType, identifier: string): string | null;
  /**
   * Replaces the resources a provider listed (source `listed_from_provider`) with `listed`, leaving
   * alone those registered otherwise (Llama Stack's update_registered_models).
   */
  refreshFromProvider<T extends ResourceType>(type: T, providerId: string, listed: readonly RegistryResources[T][]): Promise<void>;
}
