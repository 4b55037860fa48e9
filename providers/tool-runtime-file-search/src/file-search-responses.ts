import type { TextContentItem, VectorStoreFileAttributes, VectorStoreSearchResult, VectorStoreSearchResultsPage } from '@cria/api';
import { pythonFloat, pythonFormat, pythonRepr } from './file-search-python-format.js';
import { DEFAULT_FILE_SEARCH_TEMPLATES, type FileSearchTemplates } from './file-search-templates.js';

/** What the Responses API's file_search tool hands back: the text for the model and what citations need. */
export interface FileSearchToolOutput {
  /** The tool message's parts, in order: header, one per result, footer, context line. */
  content: TextContentItem[];
  /** The same parts joined: the text the model reads. */
  text: string;
  metadata: {
    /** Each result's `file_id`, in order. */
    document_ids: string[];
    /** Each result's text (its first content part). */
    chunks: string[];
    scores: number[];
    attributes: VectorStoreFileAttributes[];
    /** file id → filename, for turning `<|file-…|>` markers into file_citation annotations. */
    citation_files: Record<string, string>;
  };
}

/** An OpenAI `file_citation` annotation of an output text. */
export interface FileCitation {
  type: 'file_citation';
  file_id: string;
  filename: string;
  /** Where the marker was, in the cleaned text (in code points, as Python counts). */
  index: number;
}

function resultText(result: VectorStoreSearchResult): string {
  return result.content[0]?.text ?? '';
}

/** A result's file: its `file_id`, else the `document_id` attribute older stores kept (Python's `or`). */
function resultFileId(result: VectorStoreSearchResult): string | null {
  if (result.file_id) return result.file_id;
  const fromAttributes = result.attributes?.document_id;
  return fromAttributes === undefined ? null : String(fromAttributes);
}

/**
 * The Responses API's file_search tool output, as Llama Stack's tool executor makes it
 * (`_execute_file_search_via_vector_store`): the results of every page in order (a store whose
 * search failed contributes no page), framed by the header, each as `templates.annotatedChunk`
 * (`document_id: …, score: …, attributes: {…}`), the footer, and the context line with the
 * citation instruction when there is a result. With annotations disabled, Llama Stack still uses
 * the default annotated chunk template but gives no citation instruction; so does this.
 */
export function formatVectorStoreSearchResults(query: string, pages: readonly Pick<VectorStoreSearchResultsPage, 'data'>[], templates: FileSearchTemplates): FileSearchToolOutput {
  const results = pages.flatMap((page) => page.data);
  const chunkTemplate = templates.annotationsEnabled ? templates.annotatedChunk : DEFAULT_FILE_SEARCH_TEMPLATES.annotatedChunk;
  const instruction = templates.annotationsEnabled ? templates.annotationInstruction : DEFAULT_FILE_SEARCH_TEMPLATES.annotationInstruction;
  const content: TextContentItem[] = [{ type: 'text', text: pythonFormat(templates.header, { num_chunks: results.length }) }];
  for (const [index, result] of results.entries()) {
    const fileId = resultFileId(result);
    // pydantic keeps attribute numbers as floats (`str | float | bool`): 2024 shows as 2024.0.
    let metadataText = `document_id: ${fileId ?? 'None'}, score: ${pythonFloat(result.score)}`;
    if (result.attributes && Object.keys(result.attributes).length) metadataText += `, attributes: ${pythonRepr(result.attributes, { numbersAsFloat: true })}`;
    content.push({ type: 'text', text: pythonFormat(chunkTemplate, { index: index + 1, metadata_text: metadataText, file_id: fileId, chunk_text: resultText(result) }) });
  }
  content.push({ type: 'text', text: templates.footer });
  content.push({ type: 'text', text: pythonFormat(templates.context, { query, num_chunks: results.length, annotation_instruction: results.length ? instruction : '' }) });
  const citationFiles: Record<string, string> = {};
  for (const result of results) {
    const fileId = resultFileId(result);
    if (fileId === null) continue;
    const fromAttributes = result.attributes?.filename;
    citationFiles[fileId] = result.filename || (fromAttributes ? String(fromAttributes) : '') || 'unknown';
  }
  return {
    content,
    text: content.map((part) => part.text).join(''),
    metadata: {
      document_ids: results.map((result) => result.file_id),
      chunks: results.map(resultText),
      scores: results.map((result) => result.score),
      attributes: results.map((result) => result.attributes ?? {}),
      citation_files: citationFiles,
    },
  };
}

const CITATION_MARKER = /<\|(file-[A-Za-z0-9_-]+)\|>/g;

const codePoints = (text: string) => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * The `<|file-…|>` markers of a model's answer turned into file_citation annotations, as Llama
 * Stack's `_extract_citations_from_text`: each marker is removed with one space before it, and
 * annotates the position it leaves (before the punctuation that follows) when `citationFiles`
 * knows its file; markers of unknown files are removed without an annotation.
 */
export function extractFileCitations(text: string, citationFiles: Readonly<Record<string, string>>): { text: string; annotations: FileCitation[] } {
  const annotations: FileCitation[] = [];
  let cleaned = '';
  let length = 0;
  let lastEnd = 0;
  for (const match of text.matchAll(CITATION_MARKER)) {
    let prefix = text.slice(lastEnd, match.index);
    if (prefix.endsWith(' ')) prefix = prefix.slice(0, -1);
    cleaned += prefix;
    length += codePoints(prefix);
    const fileId = match[1]!;
    if (Object.hasOwn(citationFiles, fileId)) annotations.push({ type: 'file_citation', file_id: fileId, filename: citationFiles[fileId]!, index: length });
    lastEnd = match.index + match[0].length;
  }
  return { text: cleaned + text.slice(lastEnd), annotations };
}
