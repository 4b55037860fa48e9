import { describeInferenceContract, FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer } from '@cria/testing';

// remote::llama-cpp-server passes the inference contract against the fake upstream, which stands in for llama-server.
describeInferenceContract('remote::llama-cpp-server', async () => {
  const upstream = await FakeOpenAIUpstream.start();
  const server = await startTestServer({
    distribution: remoteInferenceDistribution(upstream.url, {
      providerType: 'remote::llama-cpp-server',
      providerId: 'p',
      models: [{ model_id: 'fake-embedding', provider_id: 'p', model_type: 'embedding', metadata: { embedding_dimension: 16 } }],
    }),
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
