import type { JsonSchema } from '@cria/api';

/** `inline::pypdf` settings: Llama Stack's PyPDFFileProcessorConfig keys. */
export interface PyPdfConfig {
  /** Tokens per chunk when the chunking strategy is `auto`. */
  default_chunk_size_tokens: number;
  /** Tokens shared by consecutive chunks when the chunking strategy is `auto`. */
  default_chunk_overlap_tokens: number;
  /** Report the PDF's page count and document information (title, author, ...). */
  extract_metadata: boolean;
  /** Collapse whitespace within lines and drop empty lines. */
  clean_text: boolean;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    default_chunk_size_tokens: { type: 'integer', minimum: 100, maximum: 4096, default: 800, description: "Default chunk size in tokens when chunking_strategy type is 'auto'." },
    default_chunk_overlap_tokens: { type: 'integer', minimum: 0, maximum: 2048, default: 400, description: "Default chunk overlap in tokens when chunking_strategy type is 'auto'." },
    extract_metadata: { type: 'boolean', default: true, description: 'Whether to extract PDF metadata (title, author, etc.).' },
    clean_text: { type: 'boolean', default: true, description: 'Whether to clean extracted text (remove extra whitespace, normalize line breaks).' },
  },
  additionalProperties: false,
};

/** Llama Stack's sample config is empty: the defaults serve. */
export const sampleConfig = {};
