import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_RECORDINGS_DIR, loadRecordings, RecordingUpstream, recordedPath, startTestServer, type TestServer, unwrapRecorded } from '@cria/testing';

// Real replies of Ollama, vLLM, OpenAI and Bedrock (recorded by Llama Stack's tests), replayed
// through the provider and the server: what comes out is what the service sent.
const recordings = loadRecordings(INFERENCE_RECORDINGS_DIR);
const calls = RecordingUpstream.served(recordings.filter((recording) => ['/chat/completions', '/completions', '/embeddings'].includes(recordedPath(recording.request.url))));
const modelLists = recordings.filter((recording) => recordedPath(recording.request.url) === '/models');

describe('replaying recorded provider replies', () => {
  let upstream: RecordingUpstream;
  let server: TestServer;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await RecordingUpstream.start(calls);
    const models = [...new Set(calls.map((recording) => recording.request.body.model as string))].map((model) => ({
      model_id: model,
      provider_id: 'rec',
      model_type: calls.some((recording) => recording.request.body.model === model && recordedPath(recording.request.url) === '/embeddings') ? 'embedding' : 'llm',
      metadata: { embedding_dimension: 384 },
    }));
    server = await startTestServer({
      distribution: {
        providers: { inference: [{ provider_id: 'rec', provider_type: 'remote::vllm', config: { base_url: upstream.url, max_tokens: null } }] },
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
      const body = { ...recording.request.body, model: `rec/${recording.request.body.model}` };
      const expected = unwrapRecorded(recording.response.body);
      if (recording.response.is_exception) {
        const failure = await client.post(path, { body }).then(() => undefined, (error: unknown) => error);
        expect(failure).toMatchObject({ status: recording.response.exception_data!.status_code });
        expect((failure as Error).message).toContain((recording.response.exception_data!.body as { message: string }).message);
        return;
      }
      if (recording.response.is_streaming) {
        const stream = (await client.post(path, { body, stream: true })) as unknown as AsyncIterable<any>;
        const chunks: any[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        expect(chunks).toHaveLength((expected as unknown[]).length);
        chunks.forEach((chunk, index) => expect({ ...chunk, model: undefined }).toEqual({ ...(expected as any[])[index], model: undefined }));
        expect(chunks.every((chunk) => chunk.model === body.model)).toBe(true);
      } else {
        const reply = (await client.post(path, { body })) as any;
        expect({ ...reply, model: undefined }).toEqual({ ...expected, model: undefined });
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
