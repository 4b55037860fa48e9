import type { Attributes, Span } from '@opentelemetry/api';
import { inSpan, isTraced } from '../../tracing.js';
import {
  AuthenticationError,
  ConfigError,
  type DistributionToolGroup,
  InvalidRequestError,
  isCriaError,
  type InvokeToolRequest,
  type ListRuntimeToolsQuery,
  type ListToolsQuery,
  type McpServerSource,
  NotFoundError,
  type ProviderHandle,
  type ProviderLogger,
  type RegisterToolGroupRequest,
  type RequestContext,
  type ResourceRegistry,
  type RouterLifecycle,
  type ToolDef,
  type ToolDefList,
  type ToolGroup,
  type ToolGroupList,
  type ToolGroupResource,
  type ToolInvocationResult,
  type ToolRuntimeApi,
  type ToolRuntimeProvider,
} from '@cria/api';

/** The provider type that lists an MCP server named directly by `mcp_endpoint`. */
const MCP_PROVIDER_TYPE = 'remote::model-context-protocol';

/** OpenTelemetry's GenAI attributes of a tool call. */
function toolAttributes(toolName: string, provider: string, group: string | null): Attributes {
  return { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': toolName, 'cria.provider_id': provider, ...(group ? { 'cria.toolgroup_id': group } : {}) };
}

function describeToolResult(span: Span, result: ToolInvocationResult): void {
  if (result.error_message) span.setAttribute('cria.tool.error', true);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `group/tool` names a tool of a group (Llama Stack's parse_toolgroup_from_toolgroup_name_pair). */
function splitGroup(name: string): { group: string; tool: string } | null {
  const parts = name.split('/');
  return parts.length === 2 && parts[0] && parts[1] ? { group: parts[0], tool: parts[1] } : null;
}

/** The wire form of a registered group. */
function toToolGroup(group: ToolGroupResource): ToolGroup {
  return {
    identifier: group.identifier,
    provider_resource_id: group.provider_resource_id,
    provider_id: group.provider_id,
    type: 'tool_group',
    mcp_endpoint: group.mcp_endpoint,
    args: group.args,
  };
}

/**
 * The tool groups routing table and the tool runtime router in one, as Llama Stack's
 * ToolGroupsRoutingTable and ToolRuntimeRouter: groups are `tool_group` resources of the registry
 * (registered through the API, persisted; or by the distribution, at each start); their tools
 * come from their provider each time (providers cache them), and a tool is invoked at the
 * provider of the group that lists it.
 */
export class ToolRuntimeRouter implements ToolRuntimeApi, RouterLifecycle {
  private readonly providers = new Map<string, ProviderHandle<'tool_runtime'>>();
  /** The group that last listed each tool name, so an invocation goes straight to it. */
  private readonly toolGroupOf = new Map<string, string>();

  constructor(
    providers: readonly ProviderHandle<'tool_runtime'>[],
    private readonly registry: ResourceRegistry,
    private readonly logger: ProviderLogger,
    /** The distribution's `registered_resources.tool_groups` (checked against their schema at load). */
    private readonly configured: readonly DistributionToolGroup[] = [],
  ) {
    for (const handle of providers) this.providers.set(handle.providerId, handle);
  }

  /** Registers the distribution's tool groups (in memory: they follow the file). */
  async start(): Promise<void> {
    for (const [index, input] of this.configured.entries()) {
      const path = `registered_resources.tool_groups[${index}]`;
      const provider = this.providers.get(input.provider_id);
      if (!provider) {
        this.logger.warn('tool group skipped: its provider is not enabled', { toolgroup_id: input.toolgroup_id, provider_id: input.provider_id });
        continue;
      }
      const group = this.resourceOf(input, 'distribution');
      try {
        await provider.impl.registerToolGroup?.(group);
        await this.registry.register(group, { persist: false, replace: this.registry.get('tool_group', group.identifier)?.source === 'distribution' });
      } catch (error) {
        if (isCriaError(error, 'conflict') || isCriaError(error, 'invalid_request')) throw new ConfigError(path, error.message, { cause: error });
        throw error;
      }
    }
    await this.registerBuiltinToolGroups();
  }

  /** Registers the built-in group of each provider that serves one (the first ready provider of a group wins). */
  private async registerBuiltinToolGroups(): Promise<void> {
    const chosen = new Map<string, ProviderHandle<'tool_runtime'>>();
    for (const handle of this.providers.values()) {
      const builtin = handle.impl.builtinToolGroup;
      if (!builtin) continue;
      const current = chosen.get(builtin.toolgroup_id);
      if (!current || (builtin.ready && !current.impl.builtinToolGroup!.ready)) chosen.set(builtin.toolgroup_id, handle);
    }
    for (const [toolgroupId, handle] of chosen) {
      const existing = this.registry.get('tool_group', toolgroupId);
      if (existing && existing.source !== 'listed_from_provider') continue;
      const group = this.resourceOf({ toolgroup_id: toolgroupId, provider_id: handle.providerId }, 'listed_from_provider');
      await handle.impl.registerToolGroup?.(group);
      await this.registry.register(group, { persist: false, replace: existing !== undefined });
    }
  }

  async listToolGroups(): Promise<ToolGroupList> {
    return { data: this.groups().map(toToolGroup) };
  }

  async getToolGroup(toolgroupId: string): Promise<ToolGroup> {
    return toToolGroup(this.group(toolgroupId));
  }

  async registerToolGroup(request: RegisterToolGroupRequest): Promise<void> {
    const provider = this.providers.get(request.provider_id);
    if (!provider) {
      throw new InvalidRequestError(`Provider '${request.provider_id}' not found; the tool runtime providers are: ${[...this.providers.keys()].join(', ') || 'none'}.`, { param: 'provider_id' });
    }
    const group = this.resourceOf(request, 'via_register_api');
    await provider.impl.registerToolGroup?.(group);
    await this.registry.register(group);
  }

  async unregisterToolGroup(toolgroupId: string): Promise<void> {
    const group = this.group(toolgroupId);
    await this.providers.get(group.provider_id)?.impl.unregisterToolGroup?.(group);
    await this.registry.unregister('tool_group', group.identifier);
    for (const [tool, owner] of this.toolGroupOf) if (owner === group.identifier) this.toolGroupOf.delete(tool);
  }

  /**
   * The tools of one group (its failure is the reply) or of every group (a group whose server
   * fails is logged and left out, as Llama Stack does, unless it asks for credentials).
   */
  async listTools(query: ListToolsQuery, context: RequestContext): Promise<ToolDefList> {
    if (query.toolgroup_id) {
      const id = this.registry.get('tool_group', query.toolgroup_id) ? query.toolgroup_id : (splitGroup(query.toolgroup_id)?.group ?? query.toolgroup_id);
      return { data: await this.toolsOf(this.group(id), context) };
    }
    const data: ToolDef[] = [];
    for (const group of this.groups()) {
      try {
        data.push(...(await this.toolsOf(group, context)));
      } catch (error) {
        if (AuthenticationError.is(error)) throw error;
        (context.logger ?? this.logger).warn('could not list the tools of a tool group; leaving them out', { toolgroup_id: group.identifier, error: (error as Error).message });
      }
    }
    return { data };
  }

  async getTool(toolName: string, context: RequestContext): Promise<ToolDef> {
    const { tool } = await this.findTool(toolName, context);
    return tool;
  }

  async listRuntimeTools(query: ListRuntimeToolsQuery, context: RequestContext, urlParam?: string): Promise<ToolDefList> {
    if (query.tool_group_id) {
      const group = this.group(query.tool_group_id);
      const endpoint = query.mcp_endpoint ?? group.mcp_endpoint?.uri ?? null;
      const tools = await this.provider(group).listRuntimeTools({ toolGroup: group, mcpEndpoint: endpoint, authorization: query.authorization ?? null, ...(query.mcp_endpoint && urlParam ? { urlParam } : {}) }, context);
      return { data: tools.map((tool) => ({ ...tool, toolgroup_id: group.identifier })) };
    }
    if (!query.mcp_endpoint) throw new InvalidRequestError('Name a tool group (tool_group_id) or an MCP server (mcp_endpoint).', { param: 'tool_group_id' });
    const tools = await this.listMcpTools({ url: query.mcp_endpoint, authorization: query.authorization ?? null, param: urlParam ?? 'mcp_endpoint' }, context);
    return { data: tools.map((tool) => ({ ...tool, toolgroup_id: null })) };
  }

  async listMcpTools(source: McpServerSource, context: RequestContext): Promise<ToolDef[]> {
    return this.mcpProvider(source).listRuntimeTools({ toolGroup: null, mcpEndpoint: source.url, authorization: source.authorization ?? null, ...(source.param ? { urlParam: source.param } : {}) }, context);
  }

  async invokeMcpTool(source: McpServerSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult> {
    const provider = this.mcpProvider(source);
    const target = { toolGroup: null, mcpEndpoint: source.url, authorization: source.authorization ?? null, ...(source.param ? { urlParam: source.param } : {}) };
    if (!isTraced(context)) return provider.invokeTool(target, toolName, kwargs, context);
    return inSpan(context, `execute_tool ${toolName}`, toolAttributes(toolName, MCP_PROVIDER_TYPE, null), (spanContext) => provider.invokeTool(target, toolName, kwargs, spanContext), describeToolResult);
  }

  private mcpProvider(source: McpServerSource): ToolRuntimeProvider {
    const mcp = [...this.providers.values()].find((handle) => handle.providerType === MCP_PROVIDER_TYPE);
    if (!mcp) throw new InvalidRequestError(`Calling an MCP server by URL needs a ${MCP_PROVIDER_TYPE} tool runtime provider; none is enabled.`, { param: source.param ?? 'mcp_endpoint' });
    return mcp.impl;
  }

  async invokeTool(request: InvokeToolRequest, context: RequestContext): Promise<ToolInvocationResult> {
    const { group, tool } = await this.findTool(request.tool_name, context, request.authorization ?? null);
    const provider = this.provider(group);
    const target = { toolGroup: group, mcpEndpoint: group.mcp_endpoint?.uri ?? null, authorization: request.authorization ?? null };
    if (!isTraced(context)) return provider.invokeTool(target, tool.name, request.kwargs, context);
    return inSpan(context, `execute_tool ${tool.name}`, toolAttributes(tool.name, group.provider_id, group.identifier), (spanContext) => provider.invokeTool(target, tool.name, request.kwargs, spanContext), describeToolResult);
  }

  /**
   * The group that has a tool: `group/tool` names it; otherwise the group that listed the tool
   * last, else every group is listed until one has it. When none has it and a group could not
   * be listed, that failure is the answer (the tool may be on a server that is down).
   */
  private async findTool(name: string, context: RequestContext, authorization: string | null = null): Promise<{ group: ToolGroupResource; tool: ToolDef }> {
    const pair = splitGroup(name);
    const named = pair ? this.registry.get('tool_group', pair.group) : undefined;
    if (named && pair) {
      const tool = (await this.toolsOf(named, context, authorization)).find((candidate) => candidate.name === pair.tool || candidate.name === name);
      if (tool) return { group: named, tool };
      throw this.toolNotFound(name);
    }
    const known = this.toolGroupOf.get(name);
    const groups = this.groups().sort((a, b) => Number(b.identifier === known) - Number(a.identifier === known));
    let failure: unknown;
    for (const group of groups) {
      try {
        const tool = (await this.toolsOf(group, context, authorization)).find((candidate) => candidate.name === name);
        if (tool) return { group, tool };
      } catch (error) {
        failure ??= error;
        (context.logger ?? this.logger).debug('could not list the tools of a tool group', { toolgroup_id: group.identifier, error: (error as Error).message });
      }
    }
    if (failure) throw failure;
    throw this.toolNotFound(name);
  }

  private toolNotFound(name: string): NotFoundError {
    return new NotFoundError('tool', name, `Tool '${name}' not found. Use GET /v1/tools to list the tools of the registered tool groups.`, { param: 'tool_name', code: 'tool_not_found' });
  }

  private async toolsOf(group: ToolGroupResource, context: RequestContext, authorization: string | null = null): Promise<ToolDef[]> {
    const tools = await this.provider(group).listRuntimeTools({ toolGroup: group, mcpEndpoint: group.mcp_endpoint?.uri ?? null, authorization }, context);
    for (const tool of tools) this.toolGroupOf.set(tool.name, group.identifier);
    return tools.map((tool) => ({ ...tool, toolgroup_id: group.identifier }));
  }

  /** The registered groups whose provider is enabled. */
  private groups(): ToolGroupResource[] {
    return this.registry.list('tool_group').filter((group) => this.providers.has(group.provider_id));
  }

  private group(toolgroupId: string): ToolGroupResource {
    const group = this.registry.get('tool_group', toolgroupId);
    if (!group || !this.providers.has(group.provider_id)) {
      throw new NotFoundError('tool_group', toolgroupId, `Tool Group '${toolgroupId}' not found. Use GET /v1/toolgroups to list the registered tool groups.`, { param: 'toolgroup_id', code: 'tool_group_not_found' });
    }
    return group;
  }

  private provider(group: ToolGroupResource): ToolRuntimeProvider {
    return this.providers.get(group.provider_id)!.impl;
  }

  private resourceOf(input: DistributionToolGroup | RegisterToolGroupRequest, source: ToolGroupResource['source']): ToolGroupResource {
    return {
      type: 'tool_group',
      identifier: input.toolgroup_id,
      provider_id: input.provider_id,
      provider_resource_id: input.toolgroup_id,
      mcp_endpoint: input.mcp_endpoint ? { uri: input.mcp_endpoint.uri } : null,
      args: input.args ?? null,
      source,
      created: nowSeconds(),
    };
  }
}
