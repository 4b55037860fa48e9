import { type ChunkQuery, ConflictError, InvalidRequestError, NotFoundError, type VectorChunk, type VectorStoreDefinition } from '@cria/api';

const SEARCH_MODES: readonly string[] = ['vector', 'keyword', 'hybrid'];

/**
 * Checks a store's definition before a provider opens it: a positive integer dimension, and the
 * dimension it was registered with before (`registered`), which its stored embeddings have.
 */
export function checkVectorStoreDefinition(definition: VectorStoreDefinition, registered: VectorStoreDefinition | undefined): void {
  if (!Number.isInteger(definition.embeddingDimension) || definition.embeddingDimension <= 0) {
    throw new InvalidRequestError(`embedding_dimension must be a positive integer, got ${definition.embeddingDimension}.`, { param: 'embedding_dimension' });
  }
  if (registered && registered.embeddingDimension !== definition.embeddingDimension) {
    throw new ConflictError(`Vector store '${definition.id}' exists with ${registered.embeddingDimension}-dimensional embeddings, not ${definition.embeddingDimension}.`);
  }
}

/**
 * Checks an embedding against the store's dimension (finite numbers only), naming `param` when
 * it fails. The zero vector is refused unless `allowZeroVector`: its cosine similarity is undefined.
 */
export function checkEmbedding(embedding: readonly number[] | undefined, dimension: number, param: string, options: { allowZeroVector?: boolean } = {}): readonly number[] {
  if (!Array.isArray(embedding) || embedding.length !== dimension) {
    throw new InvalidRequestError(`${param} has ${Array.isArray(embedding) ? embedding.length : 'no'} dimensions; the vector store's embeddings have ${dimension}.`, { param });
  }
  let norm = 0;
  for (const value of embedding) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidRequestError(`${param} holds a value that is not a finite number.`, { param });
    norm += value * value;
  }
  if (norm === 0 && !options.allowZeroVector) throw new InvalidRequestError(`${param} is the zero vector, whose cosine similarity is undefined.`, { param });
  return embedding;
}

/**
 * Checks a query before it runs: max_chunks, the mode, and what the mode needs (the embedding
 * for vector and hybrid, the text for keyword and hybrid). Returns the query's embedding, if the
 * mode uses one.
 */
export function checkChunkQuery(query: ChunkQuery, dimension: number, options: { allowZeroVector?: boolean } = {}): readonly number[] | undefined {
  if (!Number.isInteger(query.maxChunks) || query.maxChunks < 1) throw new InvalidRequestError(`max_chunks must be a positive integer, got ${query.maxChunks}.`, { param: 'max_chunks' });
  if (!SEARCH_MODES.includes(query.mode)) throw new InvalidRequestError(`Unknown search mode '${query.mode}'; use ${SEARCH_MODES.join(', ')}.`, { param: 'mode' });
  const embedding = query.mode !== 'keyword' ? checkEmbedding(query.embedding, dimension, 'embedding', options) : undefined;
  if (query.mode !== 'vector' && typeof query.text !== 'string') throw new InvalidRequestError(`A ${query.mode} query needs the query text.`, { param: 'query' });
  return embedding;
}

/** The chunks with the last of each repeated id only, in the order of those: inserting replaces chunks by id, in order. */
export function lastOfEachId(chunks: readonly VectorChunk[]): VectorChunk[] {
  const byId = new Map<string, VectorChunk>();
  for (const chunk of chunks) {
    byId.delete(chunk.chunkId);
    byId.set(chunk.chunkId, chunk);
  }
  return [...byId.values()];
}

/** The 404 of a vector store a provider does not hold. */
export function vectorStoreNotFound(storeId: string): NotFoundError {
  return new NotFoundError('vector_store', storeId, `Vector store '${storeId}' not found.`);
}
