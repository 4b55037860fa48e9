import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import qdrantProvider, { pointId } from '../src/index.js';
import { configValidator } from '../generated/config-validator.js';
import { startQdrantStandIn, type QdrantStandIn } from './qdrant-stand-in.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::qdrant_remote' };

let standInStarted: Promise<QdrantStandIn> | undefined;
const standIn = () => (standInStarted ??= startQdrantStandIn());
afterAll(async () => {
  if (standInStarted) await (await standInStarted).close();
});

describeVectorIOContract('remote::qdrant (on a Qdrant stand-in)', async () => restartableProvider(qdrantProvider, async () => ({ url: (await standIn()).url, persistence })));

/** A port nothing listens on. */
describe('remote::qdrant', () => {
  const temp = temporaryDirectory('cria-qdrant-');
  afterAll(() => temp.remove());

  it('accepts the starter distribution\'s config and Llama Stack\'s keys', () => {
    expect(configValidator({ api_key: '', persistence })).toBe(true);
    expect(configValidator({ location: null, url: 'http://qdrant:6333', port: 6333, grpc_port: 6334, prefer_grpc: false, https: null, api_key: 'k', prefix: null, timeout: 30, host: null, persistence })).toBe(true);
    expect(configValidator({ api_key: '', persistence, uri: 'x' })).toBe(false);
  });

  it('starts with no server, reporting the URL in health() and answering 503 naming it', async () => {
    const port = await closedPort();
    const provider = await createTestProvider(qdrantProvider, { url: `127.0.0.1:${port}`, api_key: '', persistence }, { dataDir: temp.dir });
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
    let keyed: QdrantStandIn;
    beforeAll(async () => {
      keyed = await startQdrantStandIn({ apiKey: 'secret-key' });
    });
    afterAll(() => keyed.close());

    it('names api_key and QDRANT_API_KEY when the server refuses the request', async () => {
      const provider = await createTestProvider(qdrantProvider, { url: keyed.url, api_key: '', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringMatching(/api_key.*QDRANT_API_KEY/) });
        await expect(provider.impl.registerVectorStore({ id: 'vs_keyed', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'authentication' });
      } finally {
        await provider.close();
      }
    });

    it('keeps chunks as Llama Stack does: a collection named by the store, points by hashed chunk id, the chunk in chunk_content', async () => {
      const provider = await createTestProvider(qdrantProvider, { host: '127.0.0.1', port: keyed.port, https: false, api_key: 'secret-key', persistence }, { dataDir: temp.dir });
      try {
        expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
        await provider.impl.registerVectorStore({ id: 'vs_layout', embeddingModel: 'm', embeddingDimension: 2 });
        await provider.impl.insertChunks('vs_layout', [{ chunkId: 'c1', content: 'Grazing llamas', embedding: [3, 4], metadata: { kind: 'note' }, chunkMetadata: { file_id: 'f1' } }]);
        const collection = keyed.collections.get('vs_layout')!;
        expect(collection).toMatchObject({ size: 2, distance: 'Cosine' });
        // Llama Stack's convert_id: uuid.UUID(sha256("qdrant_id:c1").hexdigest()[:32]).
        expect(pointId('c1')).toBe('5bf57cb2-24b0-7611-e807-19be50689e0f');
        const point = collection.points.get(pointId('c1'))!;
        expect(point.vector).toEqual([0.6, 0.8]);
        expect(point.payload).toMatchObject({ _chunk_id: 'c1', content_text: 'Grazing llamas', chunk_content: { chunk_id: 'c1', content: 'Grazing llamas', metadata: { kind: 'note' }, chunk_metadata: { file_id: 'f1' }, embedding: [3, 4] } });
        expect(await provider.impl.listChunks('vs_layout', { fileId: 'f1' }, { includeEmbeddings: true })).toEqual([
          { chunkId: 'c1', content: 'Grazing llamas', metadata: { kind: 'note' }, chunkMetadata: { file_id: 'f1' }, embedding: [3, 4] },
        ]);
        // The stemmed text index: "graze" finds "Grazing".
        expect((await provider.impl.queryChunks('vs_layout', { mode: 'keyword', text: 'graze', maxChunks: 5 })).map((match) => match.chunkId)).toEqual(['c1']);
      } finally {
        await provider.close();
      }
    });
  });
});
