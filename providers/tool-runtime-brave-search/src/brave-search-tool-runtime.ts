import { type WebSearchErrorDetail, type WebSearchRequest, WebSearchToolRuntime } from '@cria/provider-utils';
import { BRAVE_SEARCH, type BraveSearchConfig } from './brave-search-config.js';
import { braveSearchContent } from './brave-search-results.js';

/**
 * `builtin::websearch` on the Brave Search API, as Llama Stack's BraveSearchToolRuntimeImpl: one
 * tool, `web_search`, whose result is Brave's ranking cleaned to the fields Llama Stack keeps.
 * The key is the config's, else the request's `brave_search_api_key` provider data.
 */
export class BraveSearchToolRuntime extends WebSearchToolRuntime<BraveSearchConfig> {
  constructor(config: BraveSearchConfig) {
    super(config, BRAVE_SEARCH);
  }

  protected searchRequest(query: string, apiKey: string): WebSearchRequest {
    const url = new URL(this.config.base_url);
    url.searchParams.set('q', query);
    return { url, init: { headers: { 'x-subscription-token': apiKey, accept: 'application/json', 'accept-encoding': 'gzip' } } };
  }

  protected searchContent(search: Record<string, unknown>): string {
    return braveSearchContent(search, this.config.max_results);
  }

  /** Brave's error body: `{"type": "ErrorResponse", "error": {"code": "...", "detail": "...", "status": 422}}`. */
  protected errorDetail(body: unknown): WebSearchErrorDetail | null {
    const error = (body as { error?: { code?: unknown; detail?: unknown } } | null | undefined)?.error;
    if (typeof error?.detail !== 'string' || !error.detail) return null;
    return { code: typeof error.code === 'string' ? error.code : null, detail: error.detail };
  }

  // Brave answers a bad or missing token with 422 and a SUBSCRIPTION_TOKEN_* code, besides 401/403.
  protected override refusesKey(status: number, code: string | null): boolean {
    return super.refusesKey(status, code) || Boolean(code?.startsWith('SUBSCRIPTION_TOKEN'));
  }
}
