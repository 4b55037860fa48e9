import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookName, ServerRequest } from '@cria/server';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';

interface Seen {
  hooks: HookName[];
  route: string | null;
  status: number;
  body: unknown;
  error: string | null;
}

// Every route goes through the same pipeline and the same hooks: plain JSON, the inference hot
// path, server-sent events, a streamed multipart upload, a file download, and every kind of error.
describe('the request pipeline\'s hooks', () => {
  const data = temporaryDirectory();
  let upstream: FakeOpenAIUpstream;
  let server: TestServer;
  let client: OpenAI;
  const seen = new Map<string, Seen>();
  const record = (name: HookName) => (request: ServerRequest) => {
    const id = String(request.headers['x-test-id'] ?? '');
    if (!id) return;
    const entry = seen.get(id) ?? { hooks: [], route: null, status: 0, body: undefined, error: null };
    entry.hooks.push(name);
    entry.route = request.route ? `${request.route.method} ${request.route.path}` : null;
    entry.status = request.statusCode;
    if (name === 'preHandler') entry.body = request.body;
    if (request.error !== undefined) entry.error = (request.error as Error).message;
    seen.set(id, entry);
  };
  /** The hooks a request met, once its response has been sent. */
  const hooksOf = async (id: string): Promise<Seen> => {
    for (let attempt = 0; attempt < 100 && !seen.get(id)?.hooks.includes('onResponse'); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    return seen.get(id)!;
  };
  const as = (id: string) => ({ headers: { 'x-test-id': id } });
  let scoped: { sameContext: boolean; registry: boolean } | undefined;

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key', embeddingDimension: 16 });
    server = await startTestServer({
      distribution: vectorStoresDistribution(upstream.url, data.dir),
      dataDir: data.dir,
      hooks: {
        onRequest: [
          record('onRequest'),
          (request) => {
            if (request.headers['x-test-deny']) request.reply(401, {}, JSON.stringify({ error: { message: 'denied by a hook', type: 'authentication_error', param: null, code: null } }));
          },
        ],
        preValidation: record('preValidation'),
        preHandler: [
          record('preHandler'),
          (request) => {
            // The request's scope of the container: the stack's registrations and this request's context.
            if (request.headers['x-test-id'] !== 'chat') return;
            scoped = { sameContext: request.scope.resolve('requestContext') === request.context, registry: request.scope.resolve('registry') === server.stack.registry };
          },
        ],
        onSend: (request) => record('onSend')(request),
        onError: (request) => record('onError')(request),
        onResponse: record('onResponse'),
      },
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    data.remove();
  });

  const FULL: HookName[] = ['onRequest', 'preValidation', 'preHandler', 'onSend', 'onResponse'];

  it('run on a JSON route and on the inference hot path, with the validated body in preHandler', async () => {
    await client.models.list(as('models'));
    expect(await hooksOf('models')).toMatchObject({ hooks: FULL, route: 'GET /v1/models', status: 200 });
    await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }] }, as('chat'));
    const chat = await hooksOf('chat');
    expect(chat).toMatchObject({ hooks: FULL, route: 'POST /v1/chat/completions', status: 200 });
    expect(chat.body).toMatchObject({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'hi' }] });
    expect(scoped).toEqual({ sameContext: true, registry: true });
  });

  it('run on a stream (SSE) and on the historical /v1/openai/v1 prefix', async () => {
    const stream = await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'stream' }], stream: true }, as('sse'));
    for await (const _chunk of stream) {
      // drain
    }
    expect(await hooksOf('sse')).toMatchObject({ hooks: FULL, route: 'POST /v1/chat/completions', status: 200 });
    const legacy = new OpenAI({ baseURL: `${server.url}/v1/openai/v1`, apiKey: 'none', maxRetries: 0 });
    await legacy.models.list(as('legacy'));
    expect(await hooksOf('legacy')).toMatchObject({ hooks: FULL, route: 'GET /v1/models' });
  });

  it('run on a multipart upload and on a file download', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from('hello hooks'), 'hooks.txt'), purpose: 'assistants' }, as('upload'));
    expect(await hooksOf('upload')).toMatchObject({ hooks: FULL, route: 'POST /v1/files', status: 200 });
    const content = await client.files.content(file.id, as('download'));
    expect(await content.text()).toBe('hello hooks');
    expect(await hooksOf('download')).toMatchObject({ hooks: FULL, route: 'GET /v1/files/{file_id}/content', status: 200 });
  });

  it('run on errors: an invalid body, an unknown model, an unknown route and a wrong method', async () => {
    await expect(client.chat.completions.create({ model: 'openai/fake-llm', messages: 'not a list' } as never, as('invalid'))).rejects.toMatchObject({ status: 400 });
    expect(await hooksOf('invalid')).toMatchObject({ hooks: ['onRequest', 'preValidation', 'onError', 'onResponse'], status: 400, error: expect.stringContaining("'messages'") });
    await expect(client.chat.completions.create({ model: 'nobody/nothing', messages: [{ role: 'user', content: 'x' }] }, as('missing'))).rejects.toMatchObject({ status: 404 });
    expect(await hooksOf('missing')).toMatchObject({ hooks: ['onRequest', 'preValidation', 'preHandler', 'onError', 'onResponse'], status: 404 });
    const unknown = await fetch(`${server.baseURL}/nowhere`, as('unknown'));
    expect(unknown.status).toBe(404);
    expect(await hooksOf('unknown')).toMatchObject({ hooks: ['onRequest', 'onError', 'onResponse'], route: null, status: 404 });
    const wrong = await fetch(`${server.baseURL}/models`, { method: 'DELETE', ...as('wrong') });
    expect(wrong.status).toBe(405);
    expect(await hooksOf('wrong')).toMatchObject({ hooks: ['onRequest', 'onError', 'onResponse'], status: 405 });
  });

  it('let onRequest answer first (as an authentication hook would), on every kind of route', async () => {
    for (const [id, init] of [
      ['deny-json', { method: 'POST', body: JSON.stringify({ model: 'openai/fake-llm', messages: [] }), headers: { 'content-type': 'application/json' } }],
      ['deny-get', { method: 'GET' }],
    ] as const) {
      const response = await fetch(`${server.baseURL}${id === 'deny-get' ? '/models' : '/chat/completions'}`, { ...init, headers: { ...('headers' in init ? init.headers : {}), 'x-test-id': id, 'x-test-deny': '1' } });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe('denied by a hook');
      expect((await hooksOf(id)).hooks).toEqual(['onRequest', 'onResponse']);
    }
  });
});
