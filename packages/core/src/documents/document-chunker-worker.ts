/**
 * The worker thread of DocumentChunker: a file's bytes to text (PDF parsing, HTML to text),
 * optionally cleaned, then cut into token windows.
 */
import { chunkByTokens } from '../apis/vector-io/vector-stores-chunking.js';
import { extractDocument } from '../apis/vector-io/vector-stores-extraction.js';
import { serveWorkerTasks } from '../workers/worker-tasks.js';
import type { DocumentChunks } from './document-chunker.js';

/** A file to cut into chunks. */
export interface DocumentChunkingTask {
  /** The file's bytes (transferred, not copied). */
  bytes: ArrayBuffer;
  filename: string;
  maxTokens: number;
  overlapTokens: number;
  cleanText: boolean;
}

/** Each line's runs of whitespace as one space, empty lines dropped (Llama Stack's pypdf clean_text). */
export function cleanText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.split(/\s+/).filter(Boolean).join(' '))
    .filter(Boolean)
    .join('\n');
}

serveWorkerTasks<DocumentChunkingTask, DocumentChunks>(async (task) => {
  const document = await extractDocument(Buffer.from(task.bytes), task.filename);
  const text = task.cleanText ? cleanText(document.text) : document.text;
  const chunks = text.trim() ? await chunkByTokens(text, task.maxTokens, task.overlapTokens) : [];
  return { reply: { kind: document.kind, ...(document.pageCount === undefined ? {} : { pageCount: document.pageCount }), info: document.info ?? {}, chunks } };
});
