import { FakeOpenAIUpstream, describeInferenceContract, remoteInferenceDistribution, startTestServer } from '@cria/testing';

// Every preset of the OpenAI-compatible family passes the inference contract against the fake
// upstream (which stands in for the hosted services no test can reach).
for (const providerType of ['remote::openai', 'remote::vllm', 'remote::ollama', 'remote::llama-cpp-server', 'remote::together', 'remote::passthrough']) {
  describeInferenceContract(providerType, async () => {
    const upstream = await FakeOpenAIUpstream.start();
    const server = await startTestServer({
      distribution: remoteInferenceDistribution(upstream.url, {
        providerType,
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
}
