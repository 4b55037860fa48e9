import { describeInferenceContract, FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer } from '@cria/testing';

// remote::passthrough passes the inference contract against the fake upstream, which stands in for the service behind passthrough.
describeInferenceContract('remote::passthrough', async () => {
  const upstream = await FakeOpenAIUpstream.start();
  const server = await startTestServer({
    distribution: remoteInferenceDistribution(upstream.url, {
      providerType: 'remote::passthrough',
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
