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
import type { WebSearchConfig, WebSearchVendor } from './web-search-config.js';
import { unreachableCode } from './network-errors.js';

/** The one tool of `builtin::websearch`, as Llama Stack's web search providers list it. */
export const WEB_SEARCH_TOOL: Readonly<ToolDef> = Object.freeze({
  name: 'web_search',
  description: 'Search the web for information',
  input_schema: { type: 'object', properties: { query: { type: 'string', description: 'The query to search for' } }, required: ['query'] },
});

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The HTTP request of one search (its abort signal is added). */
export interface WebSearchRequest {
  url: URL;
  init: Omit<RequestInit, 'signal'>;
}

/** What the vendor's error body says: its message and, when it has one, its error code. */
export interface WebSearchErrorDetail {
  detail: string;
  code?: string | null;
}

/**
 * `builtin::websearch` on a vendor's search API, as Llama Stack's web search tool runtimes: one
 * tool, `web_search`, searching with the config's key, else the request's provider-data key. A
 * subclass says what differs between vendors: the request, the result text, the error body.
 */
export abstract class WebSearchToolRuntime<Config extends WebSearchConfig = WebSearchConfig> implements ToolRuntimeProvider {
  readonly builtinToolGroup: { toolgroup_id: string; ready: boolean };

  constructor(
    protected readonly config: Config,
    private readonly vendor: WebSearchVendor,
  ) {
    this.builtinToolGroup = { toolgroup_id: 'builtin::websearch', ready: Boolean(config.api_key) };
  }

  /** The vendor's request for `query`. */
  protected abstract searchRequest(query: string, apiKey: string): WebSearchRequest;

  /** The tool's result text, from the vendor's answer (a JSON object) to `query`. */
  protected abstract searchContent(search: Record<string, unknown>, query: string): string;

  /** The message of the vendor's error body (parsed JSON, `undefined` when not JSON); null when it is not in the vendor's shape. */
  protected abstract errorDetail(body: unknown): WebSearchErrorDetail | null;

  /** Whether a failed reply refuses the key (401 and 403 do; a vendor may add its own codes). */
  protected refusesKey(status: number, _code: string | null): boolean {
    return status === 401 || status === 403;
  }

  async listRuntimeTools(): Promise<ToolDef[]> {
    return [structuredClone(WEB_SEARCH_TOOL)];
  }

  /** Without a configured key the provider serves only requests that bring one: an Error naming it. */
  async health(): Promise<{ status: 'OK' | 'Error'; message?: string }> {
    if (this.config.api_key) return { status: 'OK' };
    const { providerDataKey, apiKeyVariable } = this.vendor;
    return { status: 'Error', message: `no API key: set api_key (${apiKeyVariable}) in the distribution; requests may pass ${providerDataKey} in X-LlamaStack-Provider-Data` };
  }

  async invokeTool(_source: ToolSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult> {
    if (toolName !== WEB_SEARCH_TOOL.name) {
      throw new NotFoundError('tool', toolName, `Tool '${toolName}' not found: ${this.vendor.providerType} has only '${WEB_SEARCH_TOOL.name}'.`, { param: 'tool_name', code: 'tool_not_found' });
    }
    const query = kwargs.query;
    if (typeof query !== 'string' || !query.trim()) throw new InvalidRequestError(`'${WEB_SEARCH_TOOL.name}' needs a non-empty string 'query'.`, { param: 'kwargs.query' });
    const search = await this.fetchJson(this.searchRequest(query, this.apiKey(context)), context);
    return { content: this.searchContent(search, query), error_message: null, error_code: null, metadata: null };
  }

  private apiKey(context: RequestContext): string {
    if (this.config.api_key) return this.config.api_key;
    const { providerType, providerDataKey, apiKeyVariable } = this.vendor;
    const key = context.providerData?.[providerDataKey];
    if (typeof key === 'string' && key) return key;
    throw new InvalidRequestError(`${providerType} has no API key: pass it in the header X-LlamaStack-Provider-Data as {"${providerDataKey}": "<your api key>"}, or set api_key (${apiKeyVariable}) in the distribution.`, {
      code: 'missing_provider_api_key',
    });
  }

  private async fetchJson({ url, init }: WebSearchRequest, context: RequestContext): Promise<Record<string, unknown>> {
    const { providerType, name } = this.vendor;
    const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
    const signal = AbortSignal.any([context.signal, timeout]);
    const target = `${url.origin}${url.pathname}`;
    try {
      const response = await fetch(url, { ...init, signal });
      const text = await response.text();
      if (!response.ok) {
        const { detail, code = null } = this.errorDetail(parsedJson(text)) ?? { detail: text.trim().slice(0, 500) || 'no error message' };
        if (this.refusesKey(response.status, code)) {
          throw new AuthenticationError(`${name} refused the API key (HTTP ${response.status}): ${detail}`, { code: 'upstream_authentication_failed' });
        }
        throw new UpstreamError(providerType, `${name} failed: ${detail}`, { status: response.status, code });
      }
      const search = JSON.parse(text) as unknown;
      if (typeof search !== 'object' || search === null || Array.isArray(search)) throw new SyntaxError('not a JSON object');
      return search as Record<string, unknown>;
    } catch (error) {
      if (isCriaError(error) || context.signal.aborted) throw error;
      if (timeout.aborted) throw new UpstreamTimeoutError(providerType, `${name} did not answer ${target} in ${this.config.timeout_seconds} s.`, { cause: error });
      if (error instanceof SyntaxError) throw new UpstreamError(providerType, `${name} answered ${target} with a body that is not a JSON object.`, { cause: error });
      const code = unreachableCode(error);
      if (code) throw new UnavailableError(`Could not connect to ${name} at ${target}: ${code}.`, { code: 'upstream_unavailable', cause: error });
      throw new UpstreamError(providerType, `The request to ${name} at ${target} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
