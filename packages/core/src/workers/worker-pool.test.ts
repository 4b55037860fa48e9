import { describe, expect, it } from 'vitest';
import type { TextChunk } from '../apis/vector-io/vector-stores-chunking.js';
import type { ChunkingTask } from '../apis/vector-io/vector-stores-ingestion-worker.js';
import { WorkerPool, WorkerTaskError } from './worker-pool.js';

const entry = new URL('../apis/vector-io/vector-stores-ingestion-worker.js', import.meta.url);

function task(text: string, filename = 'notes.txt'): { request: ChunkingTask; transfer: ArrayBuffer[] } {
  const bytes = new TextEncoder().encode(text);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { request: { bytes: buffer, filename, maxTokens: 40, overlapTokens: 10 }, transfer: [buffer] };
}

describe('worker pool (ingestion\'s chunking thread)', () => {
  it('runs tasks on worker threads, queueing past its size, and brings back the worker\'s errors with their fields', async () => {
    const pool = new WorkerPool<ChunkingTask, TextChunk[]>(entry, { size: 1, idleTimeoutMs: 100 });
    try {
      const texts = ['alpha beta gamma '.repeat(60), 'one two three '.repeat(80), 'short'];
      const replies = await Promise.all(texts.map((text) => {
        const { request, transfer } = task(text);
        return pool.run(request, transfer);
      }));
      expect(replies.map((chunks) => chunks.length)).toEqual([expect.any(Number), expect.any(Number), 1]);
      expect(replies[0]!.length).toBeGreaterThan(3);
      expect(replies[2]![0]).toMatchObject({ text: 'short', window: '0-1' });
      const { request, transfer } = task('binary', 'slides.pptx');
      const failure = await pool.run(request, transfer).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkerTaskError);
      expect(failure).toMatchObject({ name: 'IngestionError', fields: { code: 'unsupported_file' } });
      // The buffer was handed over, not copied.
      expect(transfer[0]!.byteLength).toBe(0);
    } finally {
      await pool.close();
    }
    await expect(pool.run(task('late').request)).rejects.toThrow(/closed/);
  });
});
