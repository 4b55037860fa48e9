import type { VectorStoreSearchResult } from '@cria/api';

/**
 * The templates that frame file_search results for the model (the distribution's
 * `vector_stores.file_search_params`, `context_prompt_params` and `annotation_prompt_params`).
 */
export interface FileSearchTemplates {
  header_template: string;
  footer_template: string;
  context_template: string;
  enable_annotations: boolean;
  chunk_annotation_template: string;
  annotation_instruction_template: string;
}

/** Llama Stack's VectorStoresConfig defaults. */
export const DEFAULT_FILE_SEARCH_TEMPLATES: FileSearchTemplates = {
  header_template: 'file_search tool found {num_chunks} chunks:\nBEGIN of file_search tool results.\n',
  footer_template: 'END of file_search tool results.\n',
  context_template:
    'The above results were retrieved to help answer the user\'s query: "{query}". Use them as supporting information only in answering this query. {annotation_instruction}\n',
  enable_annotations: true,
  chunk_annotation_template: '[{index}] {metadata_text} cite as <|{file_id}|>\n{chunk_text}\n',
  annotation_instruction_template:
    "Cite sources immediately at the end of sentences before punctuation, using `<|file-id|>` format like 'This is a fact <|file-Cn3MSNn72ENTiiq11Qda4A|>.'. Do not add extra punctuation. Use only the file IDs provided, do not invent new ones.",
};

/** Reads the distribution's `vector_stores` section (Llama Stack's keys), defaults where absent. */
export function fileSearchTemplatesOf(vectorStores: Record<string, unknown> | undefined): FileSearchTemplates {
  const section = (name: string) => (vectorStores?.[name] as Record<string, unknown> | undefined) ?? {};
  const pick = (name: string, key: string, fallback: string) => (typeof section(name)[key] === 'string' ? (section(name)[key] as string) : fallback);
  const annotations = section('annotation_prompt_params');
  const enabled = annotations.enable_annotations !== false;
  const defaults = DEFAULT_FILE_SEARCH_TEMPLATES;
  return {
    header_template: pick('file_search_params', 'header_template', defaults.header_template),
    footer_template: pick('file_search_params', 'footer_template', defaults.footer_template),
    context_template: pick('context_prompt_params', 'context_template', defaults.context_template),
    enable_annotations: enabled,
    // With annotations off, Llama Stack uses its default templates (not the configured ones).
    chunk_annotation_template: enabled ? pick('annotation_prompt_params', 'chunk_annotation_template', defaults.chunk_annotation_template) : defaults.chunk_annotation_template,
    annotation_instruction_template: enabled ? pick('annotation_prompt_params', 'annotation_instruction_template', defaults.annotation_instruction_template) : defaults.annotation_instruction_template,
  };
}

/** Python's str.format for `{name}` fields (the templates are Llama Stack's). */
function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

/** A value as Python's repr writes it (the attributes in the metadata text are a dict's repr). */
function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
}

/**
 * The text the model reads for file_search results, and the files it may cite (Llama Stack's
 * _execute_file_search_via_vector_store): a header, each chunk with its file id, score and
 * attributes, a footer, and the context prompt with the citation instruction.
 */
export function fileSearchResultText(query: string, results: readonly VectorStoreSearchResult[], templates: FileSearchTemplates): { text: string; citations: Map<string, string> } {
  const parts = [format(templates.header_template, { num_chunks: results.length })];
  const citations = new Map<string, string>();
  for (const [index, result] of results.entries()) {
    const fileId = result.file_id || String(result.attributes?.document_id ?? '');
    let metadataText = `document_id: ${fileId}, score: ${result.score}`;
    if (result.attributes && Object.keys(result.attributes).length > 0) metadataText += `, attributes: ${pythonRepr(result.attributes)}`;
    const chunkText = result.content[0]?.text ?? '';
    parts.push(format(templates.chunk_annotation_template, { index: index + 1, metadata_text: metadataText, file_id: fileId, chunk_text: chunkText }));
    citations.set(fileId, result.filename || String(result.attributes?.filename ?? '') || 'unknown');
  }
  parts.push(templates.footer_template);
  const instruction = citations.size > 0 ? templates.annotation_instruction_template : '';
  parts.push(format(templates.context_template, { query, num_chunks: results.length, annotation_instruction: instruction }));
  return { text: parts.join(''), citations };
}

/**
 * The answer's text without its `<|file-id|>` markers, and a file_citation annotation for each
 * marker naming a file the search returned (Llama Stack's _extract_citations_from_text): the
 * annotation's index is where the marker stood in the cleaned text.
 */
export function extractCitations(text: string, citations: ReadonlyMap<string, string>): { text: string; annotations: Record<string, unknown>[] } {
  if (citations.size === 0) return { text, annotations: [] };
  const annotations: Record<string, unknown>[] = [];
  let cleaned = '';
  let last = 0;
  for (const match of text.matchAll(/\s*<\|([^|<>]+)\|>/g)) {
    const fileId = match[1]!;
    if (!citations.has(fileId)) continue;
    cleaned += text.slice(last, match.index);
    last = match.index! + match[0].length;
    annotations.push({ type: 'file_citation', file_id: fileId, filename: citations.get(fileId), index: cleaned.length });
  }
  cleaned += text.slice(last);
  return { text: cleaned, annotations };
}
