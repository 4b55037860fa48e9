/**
 * The vector IO helpers alone (`@cria/provider-utils/vector-io`): a vector store provider that
 * imports them does not load the HTTP client and SSE parser the rest of the package brings.
 */
export { fuseRankings, withinScoreThreshold } from './vector-io-ranking.js';
export { matchesAttributeFilter } from './vector-io-filter.js';
export { checkChunkQuery, checkEmbedding, checkVectorStoreDefinition, lastOfEachId, vectorStoreNotFound } from './vector-io-checks.js';
export { KvRegistry } from './kv-registry.js';
