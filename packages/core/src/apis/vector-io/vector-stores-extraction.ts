import { extname } from 'node:path';

/** Why a file could not be ingested, as OpenAI's vector store file `last_error.code` says it. */
export type IngestionErrorCode = 'server_error' | 'unsupported_file' | 'invalid_file' | 'rate_limit_exceeded';

/** A failure that is the file's fault (or the server's), reported in the file's `last_error`. */
export class IngestionError extends Error {
  constructor(
    readonly code: IngestionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestionError';
  }
}

export type DocumentKind = 'pdf' | 'html' | 'json' | 'text';

/** A file's text and what is known of the document. */
export interface ExtractedDocument {
  kind: DocumentKind;
  text: string;
  /** PDFs: the number of pages. */
  pageCount?: number;
  /** PDFs: the document information present (title, author, subject, creator, producer, creation_date, modification_date). */
  info?: Record<string, string>;
}

const TEXT_EXTENSIONS = new Set([
  '.txt', '.text', '.md', '.markdown', '.mdx', '.rst', '.csv', '.tsv', '.jsonl', '.ndjson', '.log', '.xml', '.yaml', '.yml', '.toml', '.ini', '.tex',
  '.py', '.js', '.mjs', '.cjs', '.ts', '.tsx', '.jsx', '.java', '.c', '.h', '.cc', '.cpp', '.hpp', '.cs', '.go', '.rs', '.rb', '.php', '.sh', '.sql', '.css',
]);
/** Formats OpenAI's file_search reads that need converters this server does not have. */
const UNSUPPORTED_EXTENSIONS = new Set(['.doc', '.docx', '.pptx', '.ppt', '.xls', '.xlsx', '.odt', '.rtf', '.epub', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.zip', '.gz']);

function kindOf(bytes: Buffer, filename: string): DocumentKind | null {
  const extension = extname(filename).toLowerCase();
  if (extension === '.pdf' || bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (extension === '.html' || extension === '.htm' || extension === '.xhtml') return 'html';
  if (extension === '.json') return 'json';
  if (TEXT_EXTENSIONS.has(extension)) return 'text';
  if (UNSUPPORTED_EXTENSIONS.has(extension)) return null;
  // Unknown extensions: text if it looks like text.
  return bytes.subarray(0, 8192).includes(0) ? null : 'text';
}

/** Decodes text by its byte order mark, else as UTF-8, else as Windows-1252 (what a text file without a BOM that is not UTF-8 usually is). */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** The PDF's document information fields Llama Stack's pypdf processor reports, by its names. */
const PDF_INFO_FIELDS: Record<string, string> = { Title: 'title', Author: 'author', Subject: 'subject', Creator: 'creator', Producer: 'producer', CreationDate: 'creation_date', ModDate: 'modification_date' };

async function pdfDocument(bytes: Buffer): Promise<ExtractedDocument> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  let document: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    // verbosity 0: pdf.js reports repairs of damaged files on the console otherwise.
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    const { text } = await extractText(document, { mergePages: false });
    const { info } = await document.getMetadata().catch(() => ({ info: {} }));
    const fields = Object.entries(PDF_INFO_FIELDS).flatMap(([field, name]) => {
      const value = (info as Record<string, unknown> | undefined)?.[field];
      return typeof value === 'string' && value ? [[name, value] as const] : [];
    });
    return { kind: 'pdf', text: text.join('\n'), pageCount: document.numPages, info: Object.fromEntries(fields) };
  } catch (error) {
    throw new IngestionError('invalid_file', `The PDF could not be read: ${(error as Error).message}`, { cause: error });
  } finally {
    await document?.destroy().catch(() => undefined);
  }
}

async function htmlText(html: string): Promise<string> {
  const { convert } = await import('html-to-text');
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });
}

/**
 * The text of a file, by its type: PDF (text layer), HTML (rendered to text), JSON (checked, kept
 * as written), Markdown, CSV and other text as it is. Throws IngestionError `unsupported_file` for
 * formats it cannot read and `invalid_file` for files that are not what they claim.
 */
export async function extractText(bytes: Buffer, filename: string): Promise<string> {
  return (await extractDocument(bytes, filename)).text;
}

/** extractText, with the document's kind and, for PDFs, its page count and information. */
export async function extractDocument(bytes: Buffer, filename: string): Promise<ExtractedDocument> {
  const kind = kindOf(bytes, filename);
  if (!kind) {
    const extension = extname(filename).toLowerCase();
    throw new IngestionError('unsupported_file', `Files of type '${extension || 'binary'}' are not supported; upload text, Markdown, HTML, JSON, CSV or PDF.`);
  }
  if (kind === 'pdf') return pdfDocument(bytes);
  const text = decodeText(bytes);
  if (kind === 'html') return { kind, text: await htmlText(text) };
  if (kind === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new IngestionError('invalid_file', `The file is not valid JSON: ${(error as Error).message}`);
    }
  }
  return { kind, text };
}
