import {
  ConflictError,
  type KvStore,
  type ProviderLogger,
  type RegisteredResource,
  type RegistryResources,
  type ResourceRegistry,
  type ResourceType,
} from '@cria/api';

/** Llama Stack's registry keys (src/llama_stack/core/store/registry.py), so its layout is kept. */
const REGISTER_PREFIX = 'distributions:registry';
const KEY_VERSION = 'v10';
const KEY_START = `${REGISTER_PREFIX}:${KEY_VERSION}`;

function keyOf(type: string, identifier: string): string {
  return `${KEY_START}::${type}:${identifier}`;
}

/** Narrows a stored resource to the type of `like` (the same resource type). */
function sameType<R extends RegisteredResource>(candidate: RegisteredResource | undefined, like: R): candidate is R {
  return candidate !== undefined && candidate.type === like.type;
}

/** Narrows a stored resource to its registered type. */
function isOfType<T extends ResourceType>(resource: RegisteredResource | undefined, type: T): resource is RegistryResources[T] {
  return resource !== undefined && resource.type === type;
}

/** The fields that make two registrations the same resource (when it was made and its other names aside). */
function essence(resource: RegisteredResource): string {
  const { created: _created, aliases: _aliases, owner: _owner, ...rest } = resource;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

function conflicts(incoming: RegisteredResource, existing: RegisteredResource): Record<string, [unknown, unknown]> {
  const found: Record<string, [unknown, unknown]> = {};
  const previous = new Map(Object.entries(existing));
  for (const [field, value] of Object.entries(incoming)) {
    if (field === 'created' || field === 'aliases' || field === 'owner') continue;
    const before = previous.get(field);
    if (JSON.stringify(value) !== JSON.stringify(before)) found[field] = [value, before];
  }
  return found;
}

/**
 * The one registry of resources: in memory for lookups (one Map read), written through to the
 * distribution's metadata kv store with Llama Stack's key layout. Resources registered with
 * `persist: false` (the distribution's own, registered again at each start) stay in memory.
 */
export class KvResourceRegistry implements ResourceRegistry {
  private readonly resources = new Map<string, Map<string, RegisteredResource>>();
  private readonly aliases = new Map<string, Map<string, string>>();
  private readonly unavailable = new Map<string, string>();
  private readonly persisted = new Set<string>();

  constructor(
    private readonly kv: KvStore | null,
    private readonly logger: ProviderLogger,
  ) {}

  /** Loads what earlier runs persisted. */
  async load(): Promise<void> {
    if (!this.kv) return;
    for (const resource of await this.kv.valuesInRange<RegisteredResource>(KEY_START, `${KEY_START}\uffff`)) {
      if (!resource || typeof resource.type !== 'string' || typeof resource.identifier !== 'string') {
        this.logger.warn('skipping an unreadable registry entry');
        continue;
      }
      this.put(resource);
      this.persisted.add(keyOf(resource.type, resource.identifier));
    }
  }

  /** The kv store the registry persists to (for migrations of older layouts). */
  get store(): KvStore | null {
    return this.kv;
  }

  async register<T extends ResourceType>(resource: RegistryResources[T], options: { persist?: boolean; replace?: boolean } = {}): Promise<RegistryResources[T]> {
    const existing = this.typeMap(resource.type).get(resource.identifier);
    for (const alias of resource.aliases ?? []) {
      const taken = this.aliasMap(resource.type).get(alias) ?? (this.typeMap(resource.type).has(alias) ? alias : undefined);
      if (taken !== undefined && taken !== resource.identifier) {
        throw new ConflictError(`'${alias}' already names ${resource.type} '${taken}'.`, { param: 'identifier' });
      }
    }
    if (sameType(existing, resource) && !options.replace) {
      if (essence(existing) !== essence(resource)) {
        throw new ConflictError(
          `Object of type '${resource.type}' and identifier '${resource.identifier}' already exists with conflicting field values: ${JSON.stringify(conflicts(resource, existing))}. Unregister it first if you want to replace it.`,
          { code: 'resource_conflict' },
        );
      }
      const merged = [...new Set([...(existing.aliases ?? []), ...(resource.aliases ?? [])])];
      if (merged.length === (existing.aliases ?? []).length) return existing;
      const widened = { ...existing, aliases: merged };
      this.put(widened);
      if (this.persisted.has(keyOf(resource.type, resource.identifier))) await this.kv?.set(keyOf(resource.type, resource.identifier), widened);
      return widened;
    }
    const stored: RegistryResources[T] = existing ? { ...resource, created: existing.created } : resource;
    if (existing) this.dropAliases(existing);
    this.put(stored);
    const key = keyOf(stored.type, stored.identifier);
    if (options.persist !== false && this.kv) {
      await this.kv.set(key, stored);
      this.persisted.add(key);
    } else if (this.persisted.delete(key)) {
      await this.kv?.delete(key);
    }
    return stored;
  }

  async unregister(type: ResourceType, identifier: string): Promise<void> {
    const existing = this.typeMap(type).get(identifier);
    if (!existing) return;
    this.typeMap(type).delete(identifier);
    this.dropAliases(existing);
    this.unavailable.delete(keyOf(type, identifier));
    const key = keyOf(type, identifier);
    if (this.persisted.delete(key)) await this.kv?.delete(key);
  }

  get<T extends ResourceType>(type: T, identifierOrAlias: string): RegistryResources[T] | undefined {
    const byType = this.resources.get(type);
    if (!byType) return undefined;
    const found = byType.get(identifierOrAlias) ?? byType.get(this.aliases.get(type)?.get(identifierOrAlias) ?? '');
    return isOfType(found, type) ? found : undefined;
  }

  list<T extends ResourceType>(type: T, filter: { providerId?: string } = {}): RegistryResources[T][] {
    const all = [...(this.resources.get(type)?.values() ?? [])].filter((resource) => isOfType(resource, type));
    return filter.providerId === undefined ? all : all.filter((resource) => resource.provider_id === filter.providerId);
  }

  setUnavailable(type: ResourceType, identifier: string, reason: string | null): void {
    if (reason === null) this.unavailable.delete(keyOf(type, identifier));
    else this.unavailable.set(keyOf(type, identifier), reason);
  }

  unavailableReason(type: ResourceType, identifier: string): string | null {
    // On every request's path: skip building the key when nothing is unavailable.
    return this.unavailable.size === 0 ? null : (this.unavailable.get(keyOf(type, identifier)) ?? null);
  }

  async refreshFromProvider<T extends ResourceType>(type: T, providerId: string, listed: readonly RegistryResources[T][]): Promise<void> {
    const kept = new Set<string>();
    const before = new Map<string, RegisteredResource>();
    for (const resource of this.list(type, { providerId })) {
      if (resource.source === 'listed_from_provider') before.set(resource.identifier, resource);
      else kept.add(resource.provider_resource_id);
    }
    const seen = new Set<string>();
    for (const resource of listed) {
      // A resource registered otherwise (the distribution's, or via the API) is not overwritten.
      if (kept.has(resource.provider_resource_id)) continue;
      seen.add(resource.identifier);
      const previous = before.get(resource.identifier);
      const next = { ...resource, source: 'listed_from_provider' as const, created: previous?.created ?? resource.created };
      if (previous && essence(previous) === essence(next)) continue;
      await this.register(next, { replace: true });
    }
    for (const identifier of before.keys()) if (!seen.has(identifier)) await this.unregister(type, identifier);
  }

  private typeMap(type: string): Map<string, RegisteredResource> {
    let map = this.resources.get(type);
    if (!map) this.resources.set(type, (map = new Map()));
    return map;
  }

  private aliasMap(type: string): Map<string, string> {
    let map = this.aliases.get(type);
    if (!map) this.aliases.set(type, (map = new Map()));
    return map;
  }

  private put(resource: RegisteredResource): void {
    this.typeMap(resource.type).set(resource.identifier, resource);
    for (const alias of resource.aliases ?? []) this.aliasMap(resource.type).set(alias, resource.identifier);
  }

  private dropAliases(resource: RegisteredResource): void {
    const map = this.aliases.get(resource.type);
    for (const alias of resource.aliases ?? []) if (map?.get(alias) === resource.identifier) map.delete(alias);
  }
}
