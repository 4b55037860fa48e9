import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError } from '@cria/api';
import { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, lastOfEachId } from './vector-io-checks.js';

describe('vector IO checks', () => {
  it('refuses a bad dimension, and one that differs from the registered store\'s', () => {
    const definition = { id: 'vs', embeddingModel: 'm', embeddingDimension: 4 };
    expect(() => checkVectorStoreDefinition(definition, undefined)).not.toThrow();
    expect(() => checkVectorStoreDefinition({ ...definition, embeddingDimension: 0 }, undefined)).toThrow(InvalidRequestError);
    expect(() => checkVectorStoreDefinition(definition, { ...definition, embeddingDimension: 8 })).toThrow(ConflictError);
  });

  it('checks an embedding\'s length and values, naming the field, and the zero vector unless allowed', () => {
    expect(checkEmbedding([1, 0], 2, 'embedding')).toEqual([1, 0]);
    expect(() => checkEmbedding([1], 2, 'chunks[3].embedding')).toThrow(/chunks\[3\]\.embedding has 1 dimensions/);
    expect(() => checkEmbedding([1, Number.NaN], 2, 'embedding')).toThrow(/not a finite number/);
    expect(() => checkEmbedding([0, 0], 2, 'embedding')).toThrow(/zero vector/);
    expect(checkEmbedding([0, 0], 2, 'embedding', { allowZeroVector: true })).toEqual([0, 0]);
  });

  it('checks a query for what its mode needs', () => {
    expect(checkChunkQuery({ mode: 'keyword', text: 'llama', maxChunks: 3 }, 2)).toBeUndefined();
    expect(checkChunkQuery({ mode: 'hybrid', text: 'llama', embedding: [1, 0], maxChunks: 3 }, 2)).toEqual([1, 0]);
    expect(() => checkChunkQuery({ mode: 'hybrid', embedding: [1, 0], maxChunks: 3 }, 2)).toThrow(/needs the query text/);
    expect(() => checkChunkQuery({ mode: 'vector', maxChunks: 3 }, 2)).toThrow(/embedding has no dimensions/);
    expect(() => checkChunkQuery({ mode: 'vector', embedding: [1, 0], maxChunks: 0 }, 2)).toThrow(/max_chunks/);
  });

  it('keeps the last chunk of each repeated id, in the order of those', () => {
    const chunk = (chunkId: string, content: string) => ({ chunkId, content, embedding: [1], metadata: {} });
    expect(lastOfEachId([chunk('a', '1'), chunk('b', '2'), chunk('a', '3')]).map((entry) => `${entry.chunkId}${entry.content}`)).toEqual(['b2', 'a3']);
  });
});
