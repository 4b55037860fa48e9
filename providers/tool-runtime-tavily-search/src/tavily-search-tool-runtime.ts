import {
  AuthenticationError,
  InvalidRequestError,
  isCriaError,
  NotFoundError,
  type RequestContext,
  type ToolDef,
  type ToolInvocationResult,
  type ToolRuntimeProvider,
  type ToolSource,
  UnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
} from '@cria/api';
import type { TavilySearchConfig } from './tavily-search-config.js';

const PROVIDER = 'remote::tavily-search';
const VENDOR = 'Tavily Search';
const PROVIDER_DATA_KEY = 'tavily_search_api_key';

/** The one tool of `builtin::websearch`, as Llama Stack's web search providers list it. */
export const WEB_SEARCH_TOOL: Readonly<ToolDef> = Object.freeze({
  name: 'web_search',
  description: 'Search the web for information',
  input_schema: { type: 'object', properties: { query: { type: 'string', description: 'The query to search for' } }, required: ['query'] },
});

/** Codes of a connection that never reached the server (fetch wraps them in `TypeError: fetch failed`). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function systemCode(error: unknown): string | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Tavily's error body: `{"detail": {"error": "..."}}` (FastAPI's `{"detail": "..."}` too). */
function tavilyError(text: string): string {
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    if (typeof detail === 'string' && detail) return detail;
    const error = (detail as { error?: unknown } | undefined)?.error;
    if (typeof error === 'string' && error) return error;
  } catch {
    // not JSON: the text is the message
  }
  return text.trim().slice(0, 500) || 'no error message';
}

/**
 * `builtin::websearch` on the Tavily Search API, as Llama Stack's TavilySearchToolRuntimeImpl: one
 * tool, `web_search`, whose result is the JSON text `{"query", "top_k": <Tavily's results>}`.
 * The key is the config's, else the request's `tavily_search_api_key` provider data.
 */
export class TavilySearchToolRuntime implements ToolRuntimeProvider {
  readonly builtinToolGroup: { toolgroup_id: string; ready: boolean };

  constructor(private readonly config: TavilySearchConfig) {
    this.builtinToolGroup = { toolgroup_id: 'builtin::websearch', ready: Boolean(config.api_key) };
  }

  async listRuntimeTools(): Promise<ToolDef[]> {
    return [structuredClone(WEB_SEARCH_TOOL)];
  }

  async invokeTool(_source: ToolSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult> {
    if (toolName !== WEB_SEARCH_TOOL.name) {
      throw new NotFoundError('tool', toolName, `Tool '${toolName}' not found: ${PROVIDER} has only '${WEB_SEARCH_TOOL.name}'.`, { param: 'tool_name', code: 'tool_not_found' });
    }
    const query = kwargs.query;
    if (typeof query !== 'string' || !query.trim()) throw new InvalidRequestError(`'${WEB_SEARCH_TOOL.name}' needs a non-empty string 'query'.`, { param: 'kwargs.query' });
    const search = await this.search(query, this.apiKey(context), context);
    const results = Array.isArray(search.results) ? search.results.slice(0, this.config.max_results) : [];
    return { content: JSON.stringify({ query: search.query ?? query, top_k: results }), error_message: null, error_code: null, metadata: null };
  }

  private apiKey(context: RequestContext): string {
    if (this.config.api_key) return this.config.api_key;
    const key = context.providerData?.[PROVIDER_DATA_KEY];
    if (typeof key === 'string' && key) return key;
    throw new InvalidRequestError(`${PROVIDER} has no API key: pass it in the header X-LlamaStack-Provider-Data as {"${PROVIDER_DATA_KEY}": "<your api key>"}, or set api_key (TAVILY_SEARCH_API_KEY) in the distribution.`, {
      code: 'missing_provider_api_key',
    });
  }

  private async search(query: string, apiKey: string, context: RequestContext): Promise<Record<string, unknown>> {
    const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
    const signal = AbortSignal.any([context.signal, timeout]);
    const target = this.config.base_url;
    try {
      const response = await fetch(target, {
        method: 'POST',
        // The key in the body as Llama Stack sends it, and as the Bearer token Tavily's current API documents.
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ api_key: apiKey, query, max_results: this.config.max_results }),
        signal,
      });
      const text = await response.text();
      if (!response.ok) {
        const detail = tavilyError(text);
        if (response.status === 401 || response.status === 403) {
          throw new AuthenticationError(`${VENDOR} refused the API key (HTTP ${response.status}): ${detail}`, { code: 'upstream_authentication_failed' });
        }
        throw new UpstreamError(PROVIDER, `${VENDOR} failed: ${detail}`, { status: response.status });
      }
      const search = JSON.parse(text) as unknown;
      if (typeof search !== 'object' || search === null || Array.isArray(search)) throw new SyntaxError('not a JSON object');
      return search as Record<string, unknown>;
    } catch (error) {
      if (isCriaError(error) || context.signal.aborted) throw error;
      if (timeout.aborted) throw new UpstreamTimeoutError(PROVIDER, `${VENDOR} did not answer ${target} in ${this.config.timeout_seconds} s.`, { cause: error });
      if (error instanceof SyntaxError) throw new UpstreamError(PROVIDER, `${VENDOR} answered ${target} with a body that is not a JSON object.`, { cause: error });
      const code = systemCode(error);
      if (code && UNREACHABLE_CODES.has(code)) throw new UnavailableError(`Could not connect to ${VENDOR} at ${target}: ${code}.`, { code: 'upstream_unavailable', cause: error });
      throw new UpstreamError(PROVIDER, `The request to ${VENDOR} at ${target} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
