import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecordings, type ProviderRecording, RecordingUpstream, recordedPath, unwrapRecorded } from './recording-upstream.js';
import { startTestServer, type TestServer } from './server-harness.js';

/** What `describeRecordedReplies` replays and expects. */
export interface RecordedRepliesOptions {
  /** A directory of recordings in Llama Stack's format: the service's replies as it sends them. */
  dir: string;
  /** The provider's config; `baseUrl` is the replayer's root (`http://127.0.0.1:<port>`, no path). */
  config(baseUrl: string): Record<string, unknown>;
  /** Provider model ids the provider must list from the recorded model list, with what their `custom_metadata` holds (`model_type`, `embedding_dimension`). */
  listedModels?: Record<string, Record<string, unknown>>;
  /** Models to register (provider model ids), for replies whose model is not listed. */
  registeredModels?: { id: string; type: 'llm' | 'embedding' }[];
}

type Json = Record<string, unknown>;

/** A value without null fields, at any depth (a reply may add or drop nulls for OpenAI's shape). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== null).map(([key, inner]) => [key, withoutNulls(inner)]));
}

/** A reply or chunk without its `model` (the server rewrites it to the Cria model id) and its null fields. */
function withoutModel(value: unknown): unknown {
  return withoutNulls({ ...(value as Json), model: undefined });
}

const REPLAYED_PATHS = ['/chat/completions', '/completions', '/embeddings'];

/**
 * Replays a service's replies (its documented or recorded shapes) through one provider type and
 * the server: each chat, completion and embeddings reply reaches the `openai` client with every
 * field the service sent (the model rewritten to Cria's id), a stream chunk for chunk; the
 * recorded model list gives the models expected.
 */
export function describeRecordedReplies(providerType: string, options: RecordedRepliesOptions): void {
  const recordings: ProviderRecording[] = loadRecordings(options.dir);
  const calls = recordings.filter((recording) => REPLAYED_PATHS.includes(recordedPath(recording.request.url)));

  describe(`${providerType}: replies as the service sends them`, () => {
    let upstream: RecordingUpstream;
    let server: TestServer;
    let client: OpenAI;

    beforeAll(async () => {
      upstream = await RecordingUpstream.start(recordings);
      server = await startTestServer({
        distribution: {
          providers: { inference: [{ provider_id: 'rec', provider_type: providerType, config: options.config(new URL(upstream.url).origin) }] },
          registered_resources: {
            models: (options.registeredModels ?? []).map((model) => ({
              model_id: `rec/${model.id}`,
              provider_id: 'rec',
              provider_model_id: model.id,
              model_type: model.type,
              ...(model.type === 'embedding' ? { metadata: { embedding_dimension: 8 } } : {}),
            })),
          },
        },
      });
      client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    });
    afterAll(async () => {
      await server?.close();
      await upstream?.close();
    });

    if (options.listedModels) {
      const expected = options.listedModels;
      it('lists the models of the recorded model list, with their types', async () => {
        const listed = (await (await fetch(`${server.baseURL}/models`)).json()) as { data: { id: string; custom_metadata?: Json }[] };
        const metadata = new Map(listed.data.map((model) => [model.id, model.custom_metadata ?? {}]));
        for (const [id, expectedMetadata] of Object.entries(expected)) {
          expect(metadata.has(`rec/${id}`), `rec/${id} listed`).toBe(true);
          expect(metadata.get(`rec/${id}`)).toMatchObject(expectedMetadata);
        }
      });
    }

    for (const recording of calls) {
      const path = recordedPath(recording.request.url);
      it(`${path}${recording.request.body.stream ? ' streamed' : ''} (${recording.file})`, async () => {
        const body: Json = { ...recording.request.body, model: `rec/${recording.request.body.model}` };
        const expected: unknown = unwrapRecorded(recording.response.body);
        if (recording.response.is_streaming) {
          const stream = await client.post<AsyncIterable<Json>>(path, { body, stream: true });
          const chunks: Json[] = [];
          for await (const chunk of stream) chunks.push(chunk);
          const expectedChunks = expected as Json[];
          expect(chunks).toHaveLength(expectedChunks.length);
          chunks.forEach((chunk, index) => expect(withoutModel(chunk)).toMatchObject(withoutModel(expectedChunks[index]!) as Json));
          expect(chunks.every((chunk) => chunk.model === body.model)).toBe(true);
        } else {
          const reply = await client.post<Json>(path, { body });
          expect(withoutModel(reply)).toMatchObject(withoutModel(expected) as Json);
          expect(reply.model).toBe(body.model);
          // OpenAI's shape has usage on every reply, even where the service sends none (Gemini's embeddings).
          if (path === '/embeddings') expect(reply.usage).toMatchObject({ prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) });
        }
      });
    }
  });
}
