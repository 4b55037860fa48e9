import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import elasticsearchProvider, { indexName } from '../src/index.js';
import { configValidator } from '../generated/config-validator.js';
import { englishTokens, type ElasticsearchStandIn, startElasticsearchStandIn } from './elasticsearch-stand-in.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::elasticsearch' };

let standInStarted: Promise<ElasticsearchStandIn> | undefined;
const standIn = () => (standInStarted ??= startElasticsearchStandIn());
afterAll(async () => {
  if (standInStarted) await (await standInStarted).close();
});

describeVectorIOContract('remote::elasticsearch (on an Elasticsearch stand-in)', async () =>
  restartableProvider(elasticsearchProvider, async () => ({ elasticsearch_url: (await standIn()).url, elasticsearch_api_key: '', persistence })),
);

describe('remote::elasticsearch', () => {
  const temp = temporaryDirectory('cria-elasticsearch-');
  afterAll(() => temp.remove());

  it('accepts the starter distribution\'s config and Llama Stack\'s keys', () => {
    expect(configValidator({ elasticsearch_url: 'localhost:9200', elasticsearch_api_key: '', persistence })).toBe(true);
    expect(configValidator({})).toBe(true);
    expect(configValidator({ elasticsearch_url: 'localhost:9200', es_url: 'x' })).toBe(false);
  });

  it('names indexes by the store id when it is a valid index name, as Llama Stack does', () => {
    expect(indexName('vs_0b5d1c2e-aa')).toBe('vs_0b5d1c2e-aa');
    expect(indexName('VS/Upper')).toMatch(/^vs_vs_upper_[0-9a-f]{12}$/);
    expect(indexName('_hidden')).not.toBe('_hidden');
  });

  it('analyses like the english analyzer in the stand-in: stems, possessives and stop words', () => {
    expect(englishTokens("The llama's pastures are grazing")).toEqual(['llama', 'pastur', 'graze']);
  });

  it('starts with no server (a URL without a scheme is http), reporting it in health() and answering 503 naming it', async () => {
    const port = await closedPort();
    const provider = await createTestProvider(elasticsearchProvider, { elasticsearch_url: `127.0.0.1:${port}`, elasticsearch_api_key: '', persistence }, { dataDir: temp.dir });
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining(`http://127.0.0.1:${port}`) });
      await expect(provider.impl.registerVectorStore({ id: 'vs_down', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringContaining(`http://127.0.0.1:${port}`),
      });
    } finally {
      await provider.close();
    }
  });

  describe('with an API key', () => {
    let keyed: ElasticsearchStandIn;
    beforeAll(async () => {
      keyed = await startElasticsearchStandIn({ apiKey: 'c2VjcmV0OmtleQ==' });
    });
    afterAll(() => keyed.close());

    it('names elasticsearch_api_key and ELASTICSEARCH_API_KEY when the server refuses the request', async () => {
      const provider = await createTestProvider(elasticsearchProvider, { elasticsearch_url: keyed.url, elasticsearch_api_key: '', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringMatching(/elasticsearch_api_key.*ELASTICSEARCH_API_KEY/) });
        await expect(provider.impl.registerVectorStore({ id: 'vs_keyed', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'authentication' });
      } finally {
        await provider.close();
      }
    });

    it('keeps Llama Stack\'s document fields, with the embedding searchable by kNN and the content by BM25', async () => {
      const provider = await createTestProvider(elasticsearchProvider, { elasticsearch_url: keyed.url, elasticsearch_api_key: 'c2VjcmV0OmtleQ==', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
        await provider.impl.registerVectorStore({ id: 'vs_layout', embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks('vs_layout', [{ chunkId: 'c1', content: 'Grazing llamas', embedding: [3, 4], metadata: { kind: 'note' }, chunkMetadata: { file_id: 'f1' } }]);
        const index = keyed.indices.get('vs_layout')!;
        expect(index.mappings.properties.embedding).toEqual({ type: 'dense_vector', dims: 2, index: true, similarity: 'cosine' });
        expect(index.documents.get('c1')).toMatchObject({ content: 'Grazing llamas', chunk_id: 'c1', metadata: { kind: 'note' }, chunk_metadata: { file_id: 'f1' }, embedding: [3, 4], embedding_dimension: 2, embedding_model: 'm' });
        const [match] = await provider.impl.queryChunks('vs_layout', { mode: 'vector', embedding: [4, 3], maxChunks: 1 });
        expect(match!.score).toBeCloseTo(24 / 25, 6);
        expect((await provider.impl.queryChunks('vs_layout', { mode: 'keyword', text: 'graze', maxChunks: 5 })).map((each) => each.chunkId)).toEqual(['c1']);
      } finally {
        await provider.close();
      }
    });
  });
});
