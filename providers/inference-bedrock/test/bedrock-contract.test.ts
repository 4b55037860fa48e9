import { describeInferenceContract, FakeOpenAIUpstream, startTestServer } from '@cria/testing';

// remote::bedrock passes the inference contract against the fake upstream standing in for
// Bedrock's OpenAI-compatible endpoint; Bedrock lists no models (the chat model is registered)
// and serves neither /completions nor /embeddings.
describeInferenceContract('remote::bedrock', async () => {
  const upstream = await FakeOpenAIUpstream.start({ apiKey: 'bedrock-api-key' });
  const server = await startTestServer({
    distribution: {
      providers: { inference: [{ provider_id: 'p', provider_type: 'remote::bedrock', config: { base_url: upstream.url, api_key: 'bedrock-api-key', region_name: 'us-west-2' } }] },
      registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'p' }] },
    },
  });
  return {
    baseURL: server.baseURL,
    chatModel: 'p/fake-llm',
    supports: { completions: false, embeddings: false },
    close: async () => {
      await server.close();
      await upstream.close();
    },
  };
});
