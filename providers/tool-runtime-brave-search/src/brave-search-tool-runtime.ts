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
import type { BraveSearchConfig } from './brave-search-config.js';
import { braveSearchContent } from './brave-search-results.js';

const PROVIDER = 'remote::brave-search';
const VENDOR = 'Brave Search';
const PROVIDER_DATA_KEY = 'brave_search_api_key';

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

/** Brave's error body: `{"type": "ErrorResponse", "error": {"code": "...", "detail": "...", "status": 422}}`. */
function braveError(text: string): { code: string | null; detail: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; detail?: unknown } };
    const detail = typeof body.error?.detail === 'string' ? body.error.detail : null;
    if (detail) return { code: typeof body.error?.code === 'string' ? body.error.code : null, detail };
  } catch {
    // not JSON: the text is the message
  }
  return { code: null, detail: text.trim().slice(0, 500) || 'no error message' };
}

/**
 * `builtin::websearch` on the Brave Search API, as Llama Stack's BraveSearchToolRuntimeImpl: one
 * tool, `web_search`, whose result is Brave's ranking cleaned to the fields Llama Stack keeps.
 * The key is the config's, else the request's `brave_search_api_key` provider data.
 */
export class BraveSearchToolRuntime implements ToolRuntimeProvider {
  readonly builtinToolGroup: { toolgroup_id: string; ready: boolean };

  constructor(private readonly config: BraveSearchConfig) {
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
    const url = new URL(this.config.base_url);
    url.searchParams.set('q', query);
    const search = await this.fetchJson(url, this.apiKey(context), context);
    return { content: braveSearchContent(search, this.config.max_results), error_message: null, error_code: null, metadata: null };
  }

  private apiKey(context: RequestContext): string {
    if (this.config.api_key) return this.config.api_key;
    const key = context.providerData?.[PROVIDER_DATA_KEY];
    if (typeof key === 'string' && key) return key;
    throw new InvalidRequestError(`${PROVIDER} has no API key: pass it in the header X-LlamaStack-Provider-Data as {"${PROVIDER_DATA_KEY}": "<your api key>"}, or set api_key (BRAVE_SEARCH_API_KEY) in the distribution.`, {
      code: 'missing_provider_api_key',
    });
  }

  private async fetchJson(url: URL, apiKey: string, context: RequestContext): Promise<Record<string, unknown>> {
    const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
    const signal = AbortSignal.any([context.signal, timeout]);
    const target = `${url.origin}${url.pathname}`;
    try {
      const response = await fetch(url, { headers: { 'x-subscription-token': apiKey, accept: 'application/json', 'accept-encoding': 'gzip' }, signal });
      const text = await response.text();
      if (!response.ok) {
        const { code, detail } = braveError(text);
        // Brave answers a bad or missing token with 422 and a SUBSCRIPTION_TOKEN_* code, besides 401/403.
        if (response.status === 401 || response.status === 403 || code?.startsWith('SUBSCRIPTION_TOKEN')) {
          throw new AuthenticationError(`${VENDOR} refused the API key (HTTP ${response.status}): ${detail}`, { code: 'upstream_authentication_failed' });
        }
        throw new UpstreamError(PROVIDER, `${VENDOR} failed: ${detail}`, { status: response.status, code });
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
