/**
 * The worker thread of ingestion's CPU-bound half: a file's bytes to text (PDF parsing, HTML to
 * text) and the text to token windows. Run through a WorkerPool so the event loop keeps serving
 * requests while a large PDF is read.
 */
import { serveWorkerTasks } from '../../workers/worker-tasks.js';
import { chunkByTokens, type TextChunk } from './vector-stores-chunking.js';
import { extractText } from './vector-stores-extraction.js';

/** A file to cut into chunks. */
export interface ChunkingTask {
  /** The file's bytes (transferred, not copied). */
  bytes: ArrayBuffer;
  filename: string;
  maxTokens: number;
  overlapTokens: number;
}

serveWorkerTasks<ChunkingTask, TextChunk[]>(async (task) => {
  const text = await extractText(Buffer.from(task.bytes), task.filename);
  return { reply: await chunkByTokens(text, task.maxTokens, task.overlapTokens) };
});
