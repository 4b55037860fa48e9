import type {
  InvokeToolRequest,
  ListRuntimeToolsQuery,
  ListToolsQuery,
  RegisterToolGroupRequest,
  ToolDef,
  ToolDefList,
  ToolGroup,
  ToolGroupList,
  ToolInvocationResult,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';
import type { ToolGroupResource } from '../registry.js';

/** Where a provider lists or invokes tools: a registered group, or an MCP server named directly. */
export interface ToolSource {
  /** The registered group, when there is one. */
  toolGroup: ToolGroupResource | null;
  /** The MCP server's URL (the group's `mcp_endpoint.uri`, or the one a request names). */
  mcpEndpoint: string | null;
  /** An OAuth access token to send as `Authorization: Bearer <token>`. */
  authorization?: string | null;
  /**
   * The request field `mcpEndpoint` came from, named by errors about it (a refused or invalid
   * URL): `tools[0].server_url` for the Responses API; `mcp_endpoint` when absent.
   */
  urlParam?: string;
}

/**
 * What a tool runtime provider implements (Llama Stack's ToolRuntime plus ToolGroupsProtocolPrivate).
 * A server that cannot be reached throws UnavailableError, one that fails UpstreamError, one that
 * does not answer in time UpstreamTimeoutError, each naming the server; a tool that reports an
 * error is a result with `error_code: 1`, not a throw.
 */
export interface ToolRuntimeProvider {
  /**
   * The built-in tool group this provider serves (`builtin::websearch`, `builtin::file_search`),
   * registered by the core at start, as Llama Stack's auto_register_tool_groups does. When several
   * providers serve one group, the first `ready` one (its credentials configured) wins, else the
   * first; a group the distribution registers itself is left as configured.
   */
  readonly builtinToolGroup?: { toolgroup_id: string; ready: boolean };
  /** Checks a group before it is registered (its endpoint, its args); throws InvalidRequestError naming the field. */
  registerToolGroup?(group: ToolGroupResource): Promise<void>;
  /** Lets go of what the provider holds for a group (connections, cached tools). */
  unregisterToolGroup?(group: ToolGroupResource): Promise<void>;
  /** The tools of a group or server, without `toolgroup_id` (the router sets it). */
  listRuntimeTools(source: ToolSource, context: RequestContext): Promise<ToolDef[]>;
  /** Calls a tool of the source with its arguments. */
  invokeTool(source: ToolSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult>;
}

/** The tool_runtime API's router: tool groups (registered resources), their tools, and invocation. */
export interface ToolRuntimeApi {
  listToolGroups(): Promise<ToolGroupList>;
  getToolGroup(toolgroupId: string): Promise<ToolGroup>;
  registerToolGroup(request: RegisterToolGroupRequest): Promise<void>;
  unregisterToolGroup(toolgroupId: string): Promise<void>;
  listTools(query: ListToolsQuery, context: RequestContext): Promise<ToolDefList>;
  getTool(toolName: string, context: RequestContext): Promise<ToolDef>;
  /** `urlParam`: the request field `mcp_endpoint` came from (`tools[0].server_url`), named by errors about it. */
  listRuntimeTools(query: ListRuntimeToolsQuery, context: RequestContext, urlParam?: string): Promise<ToolDefList>;
  invokeTool(request: InvokeToolRequest, context: RequestContext): Promise<ToolInvocationResult>;
  /**
   * The tools of an MCP server named by URL (the Responses API's `mcp` tools), at the
   * remote::model-context-protocol provider; InvalidRequestError when none is enabled.
   * Per-server headers travel in `context.providerData.mcp_headers`, keyed by the URL.
   */
  listMcpTools(source: McpServerSource, context: RequestContext): Promise<ToolDef[]>;
  /** Calls a tool of an MCP server named by URL. */
  invokeMcpTool(source: McpServerSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult>;
}

/** An MCP server a request names directly. */
export interface McpServerSource {
  url: string;
  authorization?: string | null;
  /** The request field that named the URL, for errors (`tools[0].server_url`). */
  param?: string;
}
