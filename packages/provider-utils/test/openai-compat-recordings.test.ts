import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_RECORDINGS_DIR, loadRecordings, RecordingUpstream, recordedPath, startTestServer, type TestServer, unwrapRecorded } from '@cria/testing';
import { adapterTestCatalog, TEST_PROVIDER_TYPE } from './openai-compat-test-provider.js';

// Real replies of Ollama, vLLM, OpenAI and Bedrock (recorded by Llama Stack's tests), replayed
// through the shared adapter and the server: what comes out is what the service sent, in OpenAI's
// published shape (the test server checks every reply against it; here, nulls added or left out
// for that shape are the only difference allowed). Three recorded requests carried a large PNG,
// replaced in the fixtures by a 1×1 one; their replies are as recorded.
const recordings = loadRecordings(INFERENCE_RECORDINGS_DIR);
const calls = RecordingUpstream.served(recordings.filter((recording) => ['/chat/completions', '/completions', '/embeddings'].includes(recordedPath(recording.request.url))));
const modelLists = recordings.filter((recording) => recordedPath(recording.request.url) === '/models');

type Json = Record<string, unknown>;

/** A value without null fields, at any depth. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null).map(([key, inner]) => [key, withoutNulls(inner)]));
}

/** A reply or chunk without its `model` (the server rewrites it to the Cria model id) and its null fields. */
function withoutModel(value: Json): unknown {
  return withoutNulls({ ...value, model: undefined });
}

describe('replaying recorded provider replies', () => {
  let upstream: RecordingUpstream;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await RecordingUpstream.start(calls);
    const models = [...new Set(calls.map((recording) => String(recording.request.body.model)))].map((model) => ({
      model_id: model,
      provider_id: 'rec',
      model_type: calls.some((recording) => recording.request.body.model === model && recordedPath(recording.request.url) === '/embeddings') ? 'embedding' : 'llm',
      metadata: { embedding_dimension: 384 },
    }));
    server = await startTestServer({
      catalog: adapterTestCatalog(),
      distribution: {
        providers: { inference: [{ provider_id: 'rec', provider_type: TEST_PROVIDER_TYPE, config: { base_url: upstream.url } }] },
        registered_resources: { models },
      },
    });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('has recordings to replay', () => {
    expect(calls.length).toBeGreaterThan(30);
    expect(calls.some((recording) => recording.response.is_streaming)).toBe(true);
  });

  for (const recording of calls) {
    const path = recordedPath(recording.request.url);
    const host = new URL(recording.request.url).host;
    it(`${path} ${recording.request.body.stream ? 'streamed ' : ''}from ${host} (${recording.file.slice(0, 12)})`, async () => {
      const body: Json = { ...recording.request.body, model: `rec/${recording.request.body.model}` };
      const expected: unknown = unwrapRecorded(recording.response.body);
      if (recording.response.is_exception) {
        const failure = await client.post(path, { body }).then(() => undefined, (error: unknown) => error);
        expect(failure).toMatchObject({ status: recording.response.exception_data!.status_code });
        expect((failure as Error).message).toContain((recording.response.exception_data!.body as { message: string }).message);
        return;
      }
      if (recording.response.is_streaming) {
        const stream = await client.post<AsyncIterable<Json>>(path, { body, stream: true });
        const chunks: Json[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        const expectedChunks = expected as Json[];
        expect(chunks).toHaveLength(expectedChunks.length);
        chunks.forEach((chunk, index) => expect(withoutModel(chunk)).toEqual(withoutModel(expectedChunks[index]!)));
        expect(chunks.every((chunk) => chunk.model === body.model)).toBe(true);
      } else {
        const reply = await client.post<Json>(path, { body });
        expect(withoutModel(reply)).toEqual(withoutModel(expected as Json));
        expect(reply.model).toBe(body.model);
      }
    });
  }

  it('reads the recorded model lists of OpenAI and vLLM', () => {
    for (const recording of modelLists) {
      const ids = (unwrapRecorded(recording.response.body) as { id: string }[]).map((model) => model.id);
      expect(ids.length).toBeGreaterThan(0);
    }
  });
});
