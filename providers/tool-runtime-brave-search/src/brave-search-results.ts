/**
 * The fields of each Brave result type that are kept (Llama Stack's `_clean_result_by_type`), and
 * whether a `mixed` ranking entry points at one result (`index`) or at the whole list.
 */
const KEPT_FIELDS: Readonly<Record<string, { fields: readonly string[]; indexed: boolean }>> = {
  web: { fields: ['type', 'title', 'url', 'description', 'date', 'extra_snippets'], indexed: true },
  faq: { fields: ['type', 'question', 'answer', 'title', 'url'], indexed: false },
  infobox: { fields: ['type', 'title', 'url', 'description', 'long_desc'], indexed: true },
  videos: { fields: ['type', 'url', 'title', 'description', 'date'], indexed: false },
  locations: { fields: ['type', 'title', 'url', 'description', 'coordinates', 'postal_address', 'contact', 'rating', 'distance', 'zoom_level'], indexed: false },
  news: { fields: ['type', 'title', 'url', 'description'], indexed: false },
};

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(result: JsonRecord, fields: readonly string[]): JsonRecord {
  return Object.fromEntries(Object.entries(result).filter(([key]) => fields.includes(key)));
}

/** The results of one type in Brave's answer (`{"web": {"results": [...]}}`). */
function resultsOf(search: JsonRecord, type: string): JsonRecord[] {
  const section = search[type];
  const results = isRecord(section) ? section.results : undefined;
  return Array.isArray(results) ? results.filter(isRecord) : [];
}

/**
 * A Brave web search answer as the text Llama Stack's provider returns: one line per entry of the
 * `mixed.main` ranking (the first `maxResults`), each the entry's result (or, for a list type such
 * as `faq` or `news`, all of them) with only the kept fields. Lines are JSON where Llama Stack
 * writes Python reprs. An answer without a `mixed` ranking (Brave leaves it out when
 * `result_filter` excludes it) falls back to its first web results. Entries of types Llama Stack
 * does not keep, or pointing at results that are not there, are left out.
 */
export function braveSearchContent(search: JsonRecord, maxResults: number): string {
  const mixed = isRecord(search.mixed) ? search.mixed : null;
  const ranking = mixed && Array.isArray(mixed.main) ? mixed.main.filter(isRecord) : resultsOf(search, 'web').map((_, index) => ({ type: 'web', index }));
  const lines: string[] = [];
  for (const entry of ranking.slice(0, maxResults)) {
    const type = typeof entry.type === 'string' ? entry.type : '';
    const kept = KEPT_FIELDS[type];
    if (!kept) continue;
    const results = resultsOf(search, type);
    if (kept.indexed) {
      const result = typeof entry.index === 'number' ? results[entry.index] : undefined;
      if (result) lines.push(JSON.stringify(pick(result, kept.fields)));
    } else if (results.length > 0) {
      lines.push(JSON.stringify(results.map((result) => pick(result, kept.fields))));
    }
  }
  return lines.join('\n');
}
