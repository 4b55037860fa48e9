import { ConfigError, type VectorStoresConfig } from '@cria/api';
import { TemplateFormatError, templateFields } from './file-search-python-format.js';

/**
 * The texts file_search frames its results with: the distribution's `vector_stores` section
 * (`file_search_params`, `context_prompt_params`, `annotation_prompt_params`) with Llama Stack's
 * defaults for what it leaves out. Templates use Python's format syntax.
 */
export interface FileSearchTemplates {
  /** Before the results; `{num_chunks}`. */
  header: string;
  /** After the results, as written (Llama Stack does not format it). */
  footer: string;
  /** One chunk of the tool runtime's results; `{index}`, `{chunk.content}`, `{metadata}`. */
  chunk: string;
  /** The closing instructions; `{query}`, `{num_chunks}`, `{annotation_instruction}`. */
  context: string;
  /** Whether the Responses API's file_search asks the model to cite files. */
  annotationsEnabled: boolean;
  /** How the model is told to cite (Responses API, annotations enabled). */
  annotationInstruction: string;
  /** One search result in the Responses API's file_search; `{index}`, `{metadata_text}`, `{file_id}`, `{chunk_text}`. */
  annotatedChunk: string;
}

/** Llama Stack 0.7.1's defaults (FileSearchParams, ContextPromptParams, AnnotationPromptParams). */
export const DEFAULT_FILE_SEARCH_TEMPLATES: Readonly<FileSearchTemplates> = Object.freeze({
  header: 'file_search tool found {num_chunks} chunks:\nBEGIN of file_search tool results.\n',
  footer: 'END of file_search tool results.\n',
  chunk: 'Result {index}\nContent: {chunk.content}\nMetadata: {metadata}\n',
  context: 'The above results were retrieved to help answer the user\'s query: "{query}". Use them as supporting information only in answering this query. {annotation_instruction}\n',
  annotationsEnabled: true,
  annotationInstruction:
    "Cite sources immediately at the end of sentences before punctuation, using `<|file-id|>` format like 'This is a fact <|file-Cn3MSNn72ENTiiq11Qda4A|>.'. Do not add extra punctuation. Use only the file IDs provided, do not invent new ones.",
  annotatedChunk: '[{index}] {metadata_text} cite as <|{file_id}|>\n{chunk_text}\n',
});

/** Llama Stack's ChunkRetrievalParams.max_tokens_in_context default. */
export const DEFAULT_MAX_TOKENS_IN_CONTEXT = 4000;

/** The fields each template may name (what the formatting passes it). */
const TEMPLATE_FIELDS: Record<Exclude<keyof FileSearchTemplates, 'annotationsEnabled' | 'footer' | 'annotationInstruction'>, { path: string; fields: readonly string[] }> = {
  header: { path: 'file_search_params.header_template', fields: ['num_chunks'] },
  chunk: { path: 'context_prompt_params.chunk_annotation_template', fields: ['index', 'chunk', 'metadata'] },
  context: { path: 'context_prompt_params.context_template', fields: ['query', 'num_chunks', 'annotation_instruction'] },
  annotatedChunk: { path: 'annotation_prompt_params.chunk_annotation_template', fields: ['index', 'metadata_text', 'file_id', 'chunk_text'] },
};

/**
 * The templates of a `vector_stores` section (null: Llama Stack's defaults), each field defaulted
 * on its own as pydantic does. Throws ConfigError naming `${where}.<field>` for a template Python
 * could not format with the fields it is given.
 */
export function fileSearchTemplates(config: Readonly<VectorStoresConfig> | null | undefined, where = 'vector_stores'): FileSearchTemplates {
  const defaults = DEFAULT_FILE_SEARCH_TEMPLATES;
  const templates: FileSearchTemplates = {
    header: config?.file_search_params?.header_template ?? defaults.header,
    footer: config?.file_search_params?.footer_template ?? defaults.footer,
    chunk: config?.context_prompt_params?.chunk_annotation_template ?? defaults.chunk,
    context: config?.context_prompt_params?.context_template ?? defaults.context,
    annotationsEnabled: config?.annotation_prompt_params?.enable_annotations ?? defaults.annotationsEnabled,
    annotationInstruction: config?.annotation_prompt_params?.annotation_instruction_template ?? defaults.annotationInstruction,
    annotatedChunk: config?.annotation_prompt_params?.chunk_annotation_template ?? defaults.annotatedChunk,
  };
  for (const [key, { path, fields }] of Object.entries(TEMPLATE_FIELDS)) {
    const template = templates[key as keyof typeof TEMPLATE_FIELDS];
    let used: string[];
    try {
      used = templateFields(template);
    } catch (error) {
      if (error instanceof TemplateFormatError) throw new ConfigError(`${where}.${path}`, error.message);
      throw error;
    }
    const unknown = used.filter((name) => !fields.includes(name));
    if (unknown.length) throw new ConfigError(`${where}.${path}`, `the template names ${unknown.map((name) => `{${name}}`).join(', ')}; it may use ${fields.map((name) => `{${name}}`).join(', ')}`);
  }
  return templates;
}
