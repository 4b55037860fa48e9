import { type WebSearchErrorDetail, type WebSearchRequest, WebSearchToolRuntime } from '@cria/provider-utils';
import { TAVILY_SEARCH, type TavilySearchConfig } from './tavily-search-config.js';

/**
 * `builtin::websearch` on the Tavily Search API, as Llama Stack's TavilySearchToolRuntimeImpl: one
 * tool, `web_search`, whose result is the JSON text `{"query", "top_k": <Tavily's results>}`.
 * The key is the config's, else the request's `tavily_search_api_key` provider data.
 */
export class TavilySearchToolRuntime extends WebSearchToolRuntime<TavilySearchConfig> {
  constructor(config: TavilySearchConfig) {
    super(config, TAVILY_SEARCH);
  }

  protected searchRequest(query: string, apiKey: string): WebSearchRequest {
    return {
      url: new URL(this.config.base_url),
      init: {
        method: 'POST',
        // The key in the body as Llama Stack sends it, and as the Bearer token Tavily's current API documents.
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ api_key: apiKey, query, max_results: this.config.max_results }),
      },
    };
  }

  protected searchContent(search: Record<string, unknown>, query: string): string {
    const results = Array.isArray(search.results) ? search.results.slice(0, this.config.max_results) : [];
    return JSON.stringify({ query: search.query ?? query, top_k: results });
  }

  /** Tavily's error body: `{"detail": {"error": "..."}}` (FastAPI's `{"detail": "..."}` too). */
  protected errorDetail(body: unknown): WebSearchErrorDetail | null {
    const detail = (body as { detail?: unknown } | null | undefined)?.detail;
    if (typeof detail === 'string' && detail) return { detail };
    const error = (detail as { error?: unknown } | null | undefined)?.error;
    return typeof error === 'string' && error ? { detail: error } : null;
  }
}
