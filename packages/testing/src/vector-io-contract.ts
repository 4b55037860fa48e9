import { afterAll, beforeAll, describe } from 'vitest';
import type { ChunkQuery, ProviderLifecycle, VectorChunk, VectorIOProvider } from '@cria/api';
import { chunkDeleteTests, chunkReadTests, chunkWriteTests, storeLifecycleTests } from './vector-io-contract-chunks.js';
import { corpus, DIMENSION, seededRandom, type VectorIOContractSuite } from './vector-io-contract-corpus.js';
import { attributeFilterTests, nearestNeighbourTests, queryValidationTests, rankingTests } from './vector-io-contract-search.js';

export { seededRandom } from './vector-io-contract-corpus.js';

/** A vector IO provider under test, and how to restart it on the same storage. */
export interface VectorIOContractHarness {
  /**
   * Creates a provider instance on the harness's storage. The suite shuts an instance down and
   * calls this again to check that stores and chunks survive a restart. The provider must score
   * vector matches by cosine similarity (its default configuration).
   */
  open(): Promise<VectorIOProvider & ProviderLifecycle>;
  /** Removes what the harness made (temporary directories, servers). */
  close(): Promise<void>;
}

/** What a provider declares it supports, so the suite leaves the rest out. */
export interface VectorIOContractOptions {
  /**
   * Whether the provider searches by keyword and so hybrid (default true). A vector-only
   * provider, as Llama Stack's faiss is, must refuse keyword and hybrid queries with
   * UnsupportedError; the suite checks that instead of ranking them.
   */
  keywordSearch?: boolean;
}

/**
 * The contract every vector IO provider passes, exercising the VectorIOProvider directly:
 * registering stores, inserting (and replacing) chunks, vector / keyword / hybrid search with
 * both rerankers, score thresholds, attribute filters, deleting by file and by id, listing chunks
 * in insertion order (with or without embeddings), replacing a file's metadata, dropping a store,
 * and finding everything again after a restart.
 */
export function describeVectorIOContract(name: string, setup: () => Promise<VectorIOContractHarness>, options: VectorIOContractOptions = {}): void {
  describe(`vector IO contract: ${name}`, () => {
    let harness: VectorIOContractHarness;
    let provider: VectorIOProvider & ProviderLifecycle;
    const chunks = corpus();
    let storeCount = 0;

    const suite: VectorIOContractSuite = {
      get provider() {
        return provider;
      },
      keywordSearch: options.keywordSearch ?? true,
      chunks,
      random: seededRandom(11),
      newStore: async (contents: readonly VectorChunk[] = chunks): Promise<string> => {
        const id = `vs_contract_${++storeCount}`;
        await provider.registerVectorStore({ id, embeddingModel: 'contract-embedding', embeddingDimension: DIMENSION });
        if (contents.length) await provider.insertChunks(id, contents);
        return id;
      },
      query: (storeId: string, partial: Partial<ChunkQuery> & Pick<ChunkQuery, 'mode'>) => provider.queryChunks(storeId, { maxChunks: 10, ...partial }),
      restart: async () => {
        await provider.shutdown?.();
        provider = await harness.open();
      },
    };

    beforeAll(async () => {
      harness = await setup();
      provider = await harness.open();
    });
    afterAll(async () => {
      await provider?.shutdown?.();
      await harness?.close();
    });

    // In the order they were written: the tests share one seeded random source.
    nearestNeighbourTests(suite);
    chunkWriteTests(suite);
    queryValidationTests(suite);
    chunkReadTests(suite);
    rankingTests(suite);
    attributeFilterTests(suite);
    chunkDeleteTests(suite);
    storeLifecycleTests(suite);
  });
}
