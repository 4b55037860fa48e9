import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeInferenceContract, FakeOpenAIUpstream, remoteInferenceDistribution, startTestServer } from '@cria/testing';

/**
 * A Databricks workspace in front of the fake upstream: model serving's OpenAI-compatible routes
 * under `/serving-endpoints/`, and the workspace's serving endpoints (`GET
 * /api/2.0/serving-endpoints`, Databricks' documented shape) naming the fake's models.
 */
async function startWorkspace(upstream: FakeOpenAIUpstream): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/2.0/serving-endpoints') {
      const endpoints = ['fake-llm', 'fake-embedding'].map((name) => ({ name, creator: 'system', state: { ready: 'READY', config_update: 'NOT_UPDATING' }, task: name.includes('embedding') ? 'llm/v1/embeddings' : 'llm/v1/chat' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ endpoints }));
      return;
    }
    if (!req.url?.startsWith('/serving-endpoints/')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: `No route for ${req.url}` }));
      return;
    }
    const forward = httpRequest({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url.replace('/serving-endpoints/', '/v1/'), headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/serving-endpoints`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// remote::databricks passes the inference contract against a stand-in workspace whose model
// serving is the fake upstream.
describeInferenceContract('remote::databricks', async () => {
  const upstream = await FakeOpenAIUpstream.start();
  const workspace = await startWorkspace(upstream);
  const server = await startTestServer({
    distribution: remoteInferenceDistribution(workspace.url, {
      providerType: 'remote::databricks',
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
      await workspace.close();
      await upstream.close();
    },
  };
});
