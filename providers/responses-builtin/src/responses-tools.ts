import {
  type ChatMessage,
  type ChatTool,
  type CreateResponseRequest,
  isCriaError,
  InvalidRequestError,
  type RequestContext,
  type ResponseFileSearchTool,
  type ResponseMcpTool,
  type ToolDef,
  type ToolInvocationResult,
  type ToolRuntimeApi,
  type VectorIOApi,
} from '@cria/api';
import { type FileSearchTemplates, formatVectorStoreSearchResults } from '@cria/provider-tool-runtime-file-search';
import type { OfferedTool, OutputItem } from './responses-types.js';

const WEB_SEARCH_TYPES = new Set(['web_search', 'web_search_preview', 'web_search_preview_2025_03_11', 'web_search_2025_08_26']);

/** The file_search tool the model is offered (Llama Stack's definition). */
const FILE_SEARCH_TOOL: ChatTool = {
  type: 'function',
  function: {
    name: 'file_search',
    description: 'Search files for relevant information',
    parameters: { type: 'object', properties: { query: { type: 'string', description: 'The search query' } }, required: ['query'] },
  },
};

function chatToolOf(tool: ToolDef): ChatTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: (tool.input_schema as Record<string, unknown> | null | undefined) ?? { type: 'object', properties: {}, required: [] },
    },
  };
}

/** What running a server-side tool gave: the item for the output, the message for the model. */
export interface ToolRun {
  item: OutputItem;
  message: ChatMessage;
  /** file id → filename, for citations in the answer. */
  citations?: Readonly<Record<string, string>>;
  failed: boolean;
}

/** The dependencies server-side tools need. */
export interface ToolDeps {
  toolRuntime?: ToolRuntimeApi;
  vectorIo?: VectorIOApi;
  fileSearchTemplates: FileSearchTemplates;
}

/**
 * The tools of one response: the chat tools offered to the model, which of them the server runs
 * (file_search, web_search, MCP tools) and how.
 */
export class ResponseTools {
  readonly offered: OfferedTool[] = [];
  private readonly mcpServerOf = new Map<string, ResponseMcpTool>();
  private readonly mcpToolsOf = new Map<string, string[]>();
  /** The request field of each MCP server's URL (`tools[2].server_url`), by server label, for errors. */
  private readonly urlParamOf = new Map<string, string>();
  private fileSearch: ResponseFileSearchTool | null = null;

  constructor(
    private readonly deps: ToolDeps,
    private readonly context: RequestContext,
  ) {}

  /** Checks the request's tools before anything runs (a 400 names the field). */
  static check(request: CreateResponseRequest, deps: ToolDeps): void {
    const labels = new Set<string>();
    for (const [index, tool] of (request.tools ?? []).entries()) {
      const at = `tools[${index}]`;
      if (tool.type === 'mcp') {
        if (labels.has(tool.server_label)) throw new InvalidRequestError(`Two mcp tools have the server_label '${tool.server_label}'.`, { param: `${at}.server_label` });
        labels.add(tool.server_label);
        if (!tool.server_url) throw new InvalidRequestError(`The mcp tool '${tool.server_label}' needs a server_url${tool.connector_id ? ' (connectors are not supported)' : ''}.`, { param: `${at}.server_url` });
        for (const name of Object.keys(tool.headers ?? {})) {
          if (name.toLowerCase() === 'authorization') {
            throw new InvalidRequestError("Authorization credentials must be passed in the mcp tool's 'authorization' field, not in 'headers'.", { param: `${at}.headers.${name}` });
          }
        }
        if (!deps.toolRuntime) throw new InvalidRequestError('mcp tools need the tool_runtime API with a remote::model-context-protocol provider; this distribution does not serve it.', { param: `${at}.type` });
      } else if (WEB_SEARCH_TYPES.has(tool.type)) {
        if (!deps.toolRuntime) throw new InvalidRequestError(`${tool.type} needs the tool_runtime API with a web search provider; this distribution does not serve it.`, { param: `${at}.type` });
      } else if (tool.type === 'file_search') {
        if (!deps.vectorIo) throw new InvalidRequestError('file_search needs the vector_io API; this distribution does not serve it.', { param: `${at}.type` });
      }
    }
  }

  kindOf(name: string): OfferedTool['kind'] | undefined {
    return this.offered.find((tool) => tool.chat.function.name === name)?.kind;
  }

  mcpServer(toolName: string): ResponseMcpTool | undefined {
    return this.mcpServerOf.get(toolName);
  }

  mcpToolNames(serverLabel: string): readonly string[] {
    return this.mcpToolsOf.get(serverLabel) ?? [];
  }

  addFunction(tool: Extract<CreateResponseRequest['tools'], unknown[]>[number] & { type: 'function' }): void {
    this.offered.push({
      kind: 'function',
      chat: {
        type: 'function',
        function: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          ...(tool.parameters ? { parameters: tool.parameters } : {}),
          ...(tool.strict !== undefined && tool.strict !== null ? { strict: tool.strict } : {}),
        },
      },
    });
  }

  addFileSearch(tool: ResponseFileSearchTool): void {
    this.fileSearch = tool;
    this.offered.push({ kind: 'file_search', chat: FILE_SEARCH_TOOL });
  }

  async addWebSearch(): Promise<void> {
    const tool = await this.deps.toolRuntime!.getTool('web_search', this.context);
    this.offered.push({ kind: 'web_search', chat: chatToolOf(tool) });
  }

  /** Offers an MCP server's tools (as listed, or as a previous response listed them), filtered by allowed_tools. */
  addMcpTools(server: ResponseMcpTool, tools: readonly ToolDef[], param: string): OutputItem['tools'] {
    this.urlParamOf.set(server.server_label, param);
    const allowed = Array.isArray(server.allowed_tools) ? server.allowed_tools : server.allowed_tools?.tool_names;
    const listed: { name: string; description: string | null; input_schema: unknown }[] = [];
    for (const tool of tools) {
      if (allowed && !allowed.includes(tool.name)) continue;
      if (this.mcpServerOf.has(tool.name) || this.offered.some((offered) => offered.chat.function.name === tool.name)) {
        throw new InvalidRequestError(`Two tools are named '${tool.name}' (MCP server '${server.server_label}' and another tool).`, { param });
      }
      this.mcpServerOf.set(tool.name, server);
      this.mcpToolsOf.set(server.server_label, [...(this.mcpToolsOf.get(server.server_label) ?? []), tool.name]);
      this.offered.push({ kind: 'mcp', serverLabel: server.server_label, chat: chatToolOf(tool) });
      listed.push({ name: tool.name, description: tool.description ?? null, input_schema: tool.input_schema ?? { type: 'object', properties: {}, required: [] } });
    }
    return listed;
  }

  /** Lists an MCP server's tools through the tool runtime (with the request's headers and token). */
  async listMcp(server: ResponseMcpTool, param: string): Promise<ToolDef[]> {
    return this.deps.toolRuntime!.listMcpTools({ url: server.server_url!, authorization: server.authorization ?? null, param }, this.contextFor(server));
  }

  /** Whether a call of this MCP tool waits for the client's approval (require_approval; never by default, as Llama Stack's). */
  approvalRequired(toolName: string): boolean {
    const server = this.mcpServerOf.get(toolName);
    if (!server) return false;
    const rule = server.require_approval ?? 'never';
    if (rule === 'always' || rule === 'never') return rule === 'always';
    if (rule.always?.tool_names?.includes(toolName)) return true;
    if (rule.never?.tool_names?.includes(toolName)) return false;
    return true;
  }

  async runMcp(itemId: string, toolName: string, args: string, server: ResponseMcpTool, approvalRequestId: string | null): Promise<ToolRun> {
    const item: OutputItem = { type: 'mcp_call', id: itemId, server_label: server.server_label, name: toolName, arguments: args, output: null, error: null, status: 'completed', approval_request_id: approvalRequestId };
    let content: string;
    try {
      const param = this.urlParamOf.get(server.server_label);
      const result = await this.deps.toolRuntime!.invokeMcpTool({ url: server.server_url!, authorization: server.authorization ?? null, ...(param ? { param } : {}) }, toolName, parseArguments(args), this.contextFor(server));
      if (result.error_code || result.error_message) {
        item.error = `Error (code ${result.error_code ?? 'unknown'}): ${result.error_message ?? ''}`;
        content = item.error as string;
      } else {
        item.output = resultText(result);
        content = item.output as string;
      }
    } catch (error) {
      if (isCriaError(error, 'invalid_request')) throw error;
      item.error = (error as Error).message;
      content = item.error as string;
    }
    if (item.error) item.status = 'failed';
    return { item, message: { role: 'tool', tool_call_id: itemId, content }, failed: item.error !== null };
  }

  async runWebSearch(itemId: string, callId: string, args: string): Promise<ToolRun> {
    const item: OutputItem = { type: 'web_search_call', id: itemId, status: 'completed', action: { type: 'search', query: String(parseArguments(args).query ?? '') } };
    let content: string;
    try {
      const result = await this.deps.toolRuntime!.invokeTool({ tool_name: 'web_search', kwargs: parseArguments(args) }, this.context);
      content = result.error_message ? `Error: ${result.error_message}` : resultText(result);
      if (result.error_code || result.error_message) item.status = 'failed';
    } catch (error) {
      content = (error as Error).message;
      item.status = 'failed';
    }
    return { item, message: { role: 'tool', tool_call_id: callId, content }, failed: item.status === 'failed' };
  }

  /** Searches the file_search tool's vector stores (all at once; a store that fails is left out, as Llama Stack does). */
  async runFileSearch(itemId: string, callId: string, args: string, includeResults: boolean): Promise<ToolRun> {
    const tool = this.fileSearch!;
    const query = String(parseArguments(args).query ?? '');
    const pages = await Promise.all(
      tool.vector_store_ids.map((id) =>
        this.deps.vectorIo!.searchVectorStore(
          id,
          {
            query,
            ...(tool.filters ? { filters: tool.filters as never } : {}),
            max_num_results: tool.max_num_results ?? 10,
            ...(tool.ranking_options ? { ranking_options: tool.ranking_options as never } : {}),
            rewrite_query: false,
          },
          this.context,
        ).then((page) => [page], () => []),
      ),
    );
    const output = formatVectorStoreSearchResults(query, pages.flat(), this.deps.fileSearchTemplates);
    const results = pages.flat().flatMap((page) => page.data);
    const item: OutputItem = {
      type: 'file_search_call',
      id: itemId,
      status: 'completed',
      queries: [query],
      results: includeResults
        ? results.map((result) => ({ file_id: result.file_id, filename: result.filename, text: result.content.map((part) => part.text).join(''), score: result.score, attributes: result.attributes ?? {} }))
        : null,
    };
    return { item, message: { role: 'tool', tool_call_id: callId, content: output.text }, citations: output.metadata.citation_files, failed: false };
  }

  /** The request context with an MCP server's headers, as the MCP provider reads them. */
  private contextFor(server: ResponseMcpTool): RequestContext {
    if (!server.headers || Object.keys(server.headers).length === 0) return this.context;
    const existing = (this.context.providerData?.mcp_headers as Record<string, unknown> | undefined) ?? {};
    // Fields named, not spread: a request's context keeps `signal` and `logger` behind getters
    // (the logger is made only when a line is written).
    const context = this.context;
    return {
      signal: context.signal,
      providerData: { ...context.providerData, mcp_headers: { ...existing, [server.server_url!]: server.headers } },
      traceContext: context.traceContext,
      get logger() {
        return context.logger;
      },
    };
  }
}

export function isWebSearchType(type: string): boolean {
  return WEB_SEARCH_TYPES.has(type);
}

function parseArguments(args: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(args || '{}') as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A tool result as the text the model reads. */
function resultText(result: ToolInvocationResult): string {
  const content = result.content;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : [content];
  return parts.map((part) => (typeof part === 'string' ? part : 'text' in part && typeof part.text === 'string' ? part.text : JSON.stringify(part))).join('\n');
}
