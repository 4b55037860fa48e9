import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import weaviateProvider, { className, objectId } from '../src/index.js';
import { weaviateBaseUrl } from '../src/weaviate-config.js';
import { configValidator } from '../generated/config-validator.js';
import { startWeaviateStandIn, type WeaviateStandIn } from './weaviate-stand-in.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::weaviate' };

let standInStarted: Promise<WeaviateStandIn> | undefined;
const standIn = () => (standInStarted ??= startWeaviateStandIn());
afterAll(async () => {
  if (standInStarted) await (await standInStarted).close();
});

describeVectorIOContract('remote::weaviate (on a Weaviate stand-in)', async () =>
  restartableProvider(weaviateProvider, async () => ({ weaviate_cluster_url: (await standIn()).url, weaviate_api_key: null, persistence })),
);

describe('remote::weaviate', () => {
  const temp = temporaryDirectory('cria-weaviate-');
  afterAll(() => temp.remove());

  it('accepts the starter distribution\'s config and Llama Stack\'s keys', () => {
    expect(configValidator({ weaviate_api_key: null, weaviate_cluster_url: 'localhost:8080', persistence })).toBe(true);
    expect(configValidator({})).toBe(true);
    expect(configValidator({ weaviate_url: 'x' })).toBe(false);
  });

  it('reaches localhost over http and a cluster over https, as Llama Stack\'s connect_to_local and connect_to_weaviate_cloud do', () => {
    expect(weaviateBaseUrl('localhost:8080')).toBe('http://localhost:8080');
    expect(weaviateBaseUrl(null)).toBe('http://localhost:8080');
    expect(weaviateBaseUrl('my-cluster.weaviate.cloud')).toBe('https://my-cluster.weaviate.cloud');
    expect(weaviateBaseUrl('http://10.0.0.5:8080/')).toBe('http://10.0.0.5:8080');
  });

  it('starts with no server, reporting it in health() and answering 503 naming it', async () => {
    const port = await closedPort();
    const provider = await createTestProvider(weaviateProvider, { weaviate_cluster_url: `127.0.0.1:${port}`, persistence }, { dataDir: temp.dir });
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
    let keyed: WeaviateStandIn;
    beforeAll(async () => {
      keyed = await startWeaviateStandIn({ apiKey: 'wv-key' });
    });
    afterAll(() => keyed.close());

    it('names weaviate_api_key when the server refuses the request', async () => {
      const provider = await createTestProvider(weaviateProvider, { weaviate_cluster_url: keyed.url, persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining('weaviate_api_key') });
        await expect(provider.impl.registerVectorStore({ id: 'vs_keyed', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'authentication' });
      } finally {
        await provider.close();
      }
    });

    it('keeps Llama Stack\'s chunk_id and chunk_content, typed metadata properties and stemmed words', async () => {
      const provider = await createTestProvider(weaviateProvider, { weaviate_cluster_url: keyed.url, weaviate_api_key: 'wv-key', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
        await provider.impl.registerVectorStore({ id: 'vs-layout', embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks('vs-layout', [{ chunkId: 'c1', content: 'Grazing llamas', embedding: [3, 4], metadata: { kind: 'note', year: 2020 }, chunkMetadata: { file_id: 'f1' } }]);
        const target = keyed.classes.get(className('vs-layout'))!;
        expect(target.schema).toMatchObject({ vectorizer: 'none', vectorIndexConfig: { distance: 'cosine' } });
        const object = target.objects.get(objectId('c1'))!;
        expect(object.properties).toMatchObject({ chunk_id: 'c1', content_stems: 'graze llama', file_id: 'f1', mt_6b696e64: 'note', mn_79656172: 2020 });
        expect(JSON.parse(object.properties.chunk_content as string)).toMatchObject({ chunk_id: 'c1', content: 'Grazing llamas', metadata: { kind: 'note', year: 2020 }, embedding: [3, 4] });
        const [match] = await provider.impl.queryChunks('vs-layout', { mode: 'vector', embedding: [4, 3], maxChunks: 1, filter: { type: 'gte', key: 'year', value: 2020 } });
        expect(match!.score).toBeCloseTo(24 / 25, 6);
        expect(await provider.impl.queryChunks('vs-layout', { mode: 'vector', embedding: [4, 3], maxChunks: 1, filter: { type: 'eq', key: 'year', value: '2020' } })).toEqual([]);
      } finally {
        await provider.close();
      }
    });
  });
});
