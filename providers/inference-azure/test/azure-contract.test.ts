import { describeInferenceContract, FakeOpenAIUpstream, startTestServer } from '@cria/testing';

// remote::azure passes the inference contract against the fake upstream standing in for an
// Azure OpenAI resource's /openai/v1 API.
describeInferenceContract('remote::azure', async () => {
  const upstream = await FakeOpenAIUpstream.start();
  const server = await startTestServer({
    distribution: {
      providers: { inference: [{ provider_id: 'p', provider_type: 'remote::azure', config: { base_url: upstream.url, api_key: 'azure-key', api_version: 'preview' } }] },
      registered_resources: { models: [{ model_id: 'fake-embedding', provider_id: 'p', model_type: 'embedding', metadata: { embedding_dimension: 16 } }] },
    },
  });
  return {
    baseURL: server.baseURL,
    chatModel: 'p/fake-llm',
    embeddingModel: 'p/fake-embedding',
    close: async () => {
      await server.close();
      await upstream.close();
    },
  };
});
