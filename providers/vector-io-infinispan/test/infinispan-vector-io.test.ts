import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, createTestProvider, describeVectorIOContract, restartableProvider, temporaryDirectory } from '@cria/testing';
import infinispanProvider, { digestAuthorization, entityName, parseDigestChallenge } from '../src/index.js';
import { infinispanBaseUrl } from '../src/infinispan-config.js';
import { configValidator } from '../generated/config-validator.js';
import { type InfinispanStandIn, startInfinispanStandIn } from './infinispan-stand-in.js';

const persistence = { backend: 'kv_default', namespace: 'vector_io::infinispan' };
const credentials = { username: 'admin', password: 'secret-pw' };

let standInStarted: Promise<InfinispanStandIn> | undefined;
const standIn = () => (standInStarted ??= startInfinispanStandIn({ credentials }));
afterAll(async () => {
  if (standInStarted) await (await standInStarted).close();
});

describeVectorIOContract('remote::infinispan (on an Infinispan stand-in, digest auth)', async () =>
  restartableProvider(infinispanProvider, async () => ({ url: (await standIn()).url, ...credentials, auth_mechanism: 'digest', persistence })),
);

describe('remote::infinispan', () => {
  const temp = temporaryDirectory('cria-infinispan-');
  afterAll(() => temp.remove());

  it('accepts the starter distribution\'s config and exactly Llama Stack\'s keys', () => {
    expect(configValidator({ url: 'http://localhost:11222', username: 'admin', password: '', use_https: false, auth_mechanism: 'digest', verify_tls: true, persistence })).toBe(true);
    expect(configValidator({ persistence })).toBe(true);
    expect(configValidator({})).toBe(false);
    expect(configValidator({ persistence, cache_name: 'x' })).toBe(false);
  });

  it('switches to https with use_https', () => {
    expect(infinispanBaseUrl({ url: 'http://localhost:11222/' })).toBe('http://localhost:11222');
    expect(infinispanBaseUrl({ url: 'http://ispn.example:11222', use_https: true })).toBe('https://ispn.example:11222');
  });

  it('answers RFC 7616\'s SHA-256 and RFC 2617\'s MD5 examples', () => {
    const rfc7616 = 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const sha = digestAuthorization(parseDigestChallenge(rfc7616)!, { username: 'Mufasa', password: 'Circle of Life' }, 'GET', '/dir/index.html', 1, 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(sha).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
    expect(sha).toContain('nc=00000001');
    const rfc2617 = 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const md5 = digestAuthorization(parseDigestChallenge(rfc2617)!, { username: 'Mufasa', password: 'Circle Of Life' }, 'GET', '/dir/index.html', 1, '0a4f113b');
    expect(md5).toContain('response="6629fae49393a05397450978507c4ef1"');
  });

  it('starts with no server, reporting it in health() and answering 503 naming it', async () => {
    const port = await closedPort();
    const provider = await createTestProvider(infinispanProvider, { url: `http://127.0.0.1:${port}`, username: 'admin', password: '', persistence }, { dataDir: temp.dir });
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining(`http://127.0.0.1:${port}`) });
      expect((await provider.impl.health?.())!.message).toContain('INFINISPAN_URL');
      await expect(provider.impl.registerVectorStore({ id: 'vs_down', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringContaining(`http://127.0.0.1:${port}`),
      });
    } finally {
      await provider.close();
    }
  });

  it('names the username when the server refuses the credentials, and the missing password when none is set', async () => {
    const server = await standIn();
    const wrong = await createTestProvider(infinispanProvider, { url: server.url, username: 'admin', password: 'wrong', persistence }, { dataDir: temp.dir });
    const none = await createTestProvider(infinispanProvider, { url: server.url, username: 'admin', password: '', persistence }, { dataDir: temp.dir });
    try {
      expect(await wrong.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining("user 'admin'") });
      await expect(wrong.impl.registerVectorStore({ id: 'vs_refused', embeddingModel: 'm', embeddingDimension: 2 })).rejects.toMatchObject({ kind: 'authentication', message: expect.stringContaining('INFINISPAN_PASSWORD') });
      expect(await none.impl.health?.()).toEqual({ status: 'Error', message: expect.stringContaining('INFINISPAN_PASSWORD') });
      expect(server.caches.has('vs_refused')).toBe(false);
    } finally {
      await wrong.close();
      await none.close();
    }
  });

  it('creates the cache and schema Llama Stack does, and keeps its entry layout', async () => {
    const server = await standIn();
    const provider = await createTestProvider(infinispanProvider, { url: server.url, ...credentials, persistence }, { dataDir: temp.dir });
    const before = server.authorizations.length;
    try {
      expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
      await provider.impl.registerVectorStore({ id: 'vs-layout', embeddingModel: 'm', embeddingDimension: 2 });
      expect(server.schemas.get('vector_chunk_2.proto')).toContain('@Vector(dimension=2, similarity=COSINE)');
      expect(server.caches.get('vs-layout')!.indexedEntities).toEqual([entityName(2)]);
      await provider.impl.insertChunks('vs-layout', [{ chunkId: 'c1', content: 'Grazing llamas', embedding: [3, 4], metadata: { kind: 'note' }, chunkMetadata: { file_id: 'f1' } }]);
      expect(server.caches.get('vs-layout')!.entries.get('c1')).toMatchObject({
        _type: 'VectorItem2',
        id: 'c1',
        floatVector: [3, 4],
        text: 'Grazing llamas',
        metadata: '{"kind":"note"}',
        chunkMetadata: '{"file_id":"f1"}',
        embeddingModel: 'm',
        fileId: 'f1',
        stems: 'graze llama',
      });
      const [match] = await provider.impl.queryChunks('vs-layout', { mode: 'vector', embedding: [4, 3], maxChunks: 1 });
      expect(match!.score).toBeCloseTo(24 / 25, 6);
      // One challenge, then the nonce is reused with a growing nc.
      expect(server.authorizations.slice(before)).toEqual(['', ...Array(server.authorizations.length - before - 1).fill('Digest')]);
    } finally {
      await provider.close();
    }
  });

  describe('with basic auth and a SHA-256 digest server', () => {
    let sha: InfinispanStandIn;
    beforeAll(async () => {
      sha = await startInfinispanStandIn({ credentials, algorithm: 'SHA-256' });
    });
    afterAll(() => sha.close());

    it('authenticates either way', async () => {
      for (const auth_mechanism of ['digest', 'basic']) {
        const provider = await createTestProvider(infinispanProvider, { url: sha.url, ...credentials, auth_mechanism, persistence }, { dataDir: temp.dir });
        try {
          expect(await provider.impl.health?.()).toEqual({ status: 'OK' });
        } finally {
          await provider.close();
        }
      }
      expect(sha.authorizations).toContain('Basic');
      expect(sha.authorizations).toContain('Digest');
    });
  });
});
