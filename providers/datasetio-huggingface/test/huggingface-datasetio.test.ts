import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import LlamaStackClient from 'llama-stack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFailure, startTestServer, type TestServer } from '@cria/testing';
import { hubDatasetRef } from '../src/index.js';

/** 250 rows of a QA dataset, as the stand-in's `llamastack/simpleqa` (config `default`, split `train`). */
const HUB_ROWS = Array.from({ length: 250 }, (_, index) => ({ problem: `question ${index}`, answer: `answer ${index}` }));

/**
 * A stand-in for the datasets-server, answering /splits and /rows in its documented shape
 * (features, rows [{row_idx, row, truncated_cells}], num_rows_total, num_rows_per_page, partial),
 * refusing more than 100 rows a request as it does, and a gated dataset without the token.
 */
function startDatasetsServer(token: string): Promise<{ server: Server; url: string; requests: { url: URL; authorization: string | undefined }[] }> {
  const requests: { url: URL; authorization: string | undefined }[] = [];
  const reply = (response: import('node:http').ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url!, 'http://localhost');
    requests.push({ url, authorization: request.headers.authorization });
    const dataset = url.searchParams.get('dataset');
    if (dataset === 'org/gated' && request.headers.authorization !== `Bearer ${token}`) return reply(response, 401, { error: 'The dataset is gated.' });
    if (dataset !== 'llamastack/simpleqa' && dataset !== 'org/gated') return reply(response, 404, { error: "The dataset doesn't exist on the Hub or cannot be accessed." });
    if (url.pathname === '/splits') {
      return reply(response, 200, { splits: [{ dataset, config: 'default', split: 'train' }, { dataset, config: 'default', split: 'test' }], pending: [], failed: [] });
    }
    if (url.pathname === '/rows') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const length = Number(url.searchParams.get('length') ?? 100);
      if (url.searchParams.get('config') !== 'default' || url.searchParams.get('split') !== 'train') return reply(response, 404, { error: 'Not found.' });
      if (length > 100) return reply(response, 422, { error: 'Parameter \'length\' must not be greater than 100' });
      return reply(response, 200, {
        features: [
          { feature_idx: 0, name: 'problem', type: { dtype: 'string', _type: 'Value' } },
          { feature_idx: 1, name: 'answer', type: { dtype: 'string', _type: 'Value' } },
        ],
        rows: HUB_ROWS.slice(offset, offset + length).map((row, index) => ({ row_idx: offset + index, row, truncated_cells: [] })),
        num_rows_total: HUB_ROWS.length,
        num_rows_per_page: 100,
        partial: false,
      });
    }
    return reply(response, 404, { error: 'Not found.' });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests })));
}

describe('hubDatasetRef', () => {
  const dataset = (uri: string, metadata: Record<string, unknown> = {}) =>
    ({ type: 'dataset', identifier: 'd', provider_id: 'hf', provider_resource_id: 'd', purpose: 'eval/question-answer', data_source: { type: 'uri', uri }, metadata, source: 'via_register_api', created: 0 }) as const;

  it('reads the path, split and config as Llama Stack does', () => {
    expect(hubDatasetRef(dataset('huggingface://datasets/llamastack/simpleqa?split=train'))).toEqual({ path: 'llamastack/simpleqa', config: null, split: 'train' });
    expect(hubDatasetRef(dataset('huggingface://datasets/openai/gsm8k?split=test&name=main'))).toEqual({ path: 'openai/gsm8k', config: 'main', split: 'test' });
    expect(hubDatasetRef(dataset('huggingface://datasets', { path: 'org/set', split: 'validation', name: 'sub' }))).toEqual({ path: 'org/set', config: 'sub', split: 'validation' });
    expect(() => hubDatasetRef(dataset('https://example.com/data.csv'))).toThrow(expect.objectContaining({ param: 'source.uri' }));
  });
});

describe('remote::huggingface through /v1beta/datasetio (llama-stack-client)', () => {
  let hub: Awaited<ReturnType<typeof startDatasetsServer>>;
  let server: TestServer;
  let client: LlamaStackClient;

  beforeAll(async () => {
    hub = await startDatasetsServer('hf_test_token');
    server = await startTestServer({
      distribution: { providers: { datasetio: [{ provider_id: 'huggingface', provider_type: 'remote::huggingface', config: { api_key: 'hf_test_token', base_url: hub.url } }] } },
    });
    client = new LlamaStackClient({ baseURL: server.url });
  });

  afterAll(async () => {
    await server?.close();
    hub?.server.close();
  });

  it('registers a Hub dataset, finding its config, and pages through rows 100 at a time with the token', async () => {
    const dataset = await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'huggingface://datasets/llamastack/simpleqa?split=train' }, dataset_id: 'simpleqa' });
    expect(dataset).toMatchObject({ identifier: 'simpleqa', provider_id: 'huggingface' });
    hub.requests.length = 0;
    const page = await client.beta.datasets.iterrows('simpleqa', { start_index: 90, limit: 120 });
    expect(page.data).toEqual(HUB_ROWS.slice(90, 210));
    expect(page.has_more).toBe(true);
    expect(hub.requests.map((request) => [request.url.pathname, request.url.searchParams.get('offset'), request.url.searchParams.get('length')])).toEqual([
      ['/rows', '90', '100'],
      ['/rows', '190', '20'],
    ]);
    expect(hub.requests.every((request) => request.authorization === 'Bearer hf_test_token')).toBe(true);
    expect(await client.beta.datasets.iterrows('simpleqa', { start_index: 240, limit: 20 })).toEqual({ data: HUB_ROWS.slice(240), has_more: false });
    expect((await client.beta.datasets.iterrows('simpleqa')).data).toHaveLength(250);
  });

  it('reads a gated dataset with the token, and refuses appending rows', async () => {
    await client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'huggingface://datasets/org/gated?split=train&name=default' }, dataset_id: 'gated' });
    expect((await client.beta.datasets.iterrows('gated', { limit: 1 })).data).toEqual([HUB_ROWS[0]]);
    expect(await clientFailure(client.beta.datasets.appendrows('gated', { rows: [{ problem: 'p', answer: 'a' }] }))).toMatchObject({ status: 400, error: { param: 'dataset_id' } });
  });

  it('answers 4xx naming the field for datasets it cannot read', async () => {
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'huggingface://datasets/llamastack/simpleqa?split=dev' } }))).toMatchObject({
      status: 400,
      error: { param: 'source.uri', message: expect.stringContaining('train, test') },
    });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'huggingface://datasets/nobody/nothing' } }))).toMatchObject({ status: 404, error: { param: 'source.uri' } });
    expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'rows', rows: [{ a: 1 }] } }))).toMatchObject({ status: 400, error: { param: 'source' } });
  });
});

describe('remote::huggingface without a token', () => {
  it('is refused by a gated dataset, saying to set HF_TOKEN', async () => {
    const hub = await startDatasetsServer('hf_test_token');
    const saved = process.env.HF_TOKEN;
    delete process.env.HF_TOKEN;
    const server = await startTestServer({ distribution: { providers: { datasetio: [{ provider_id: 'huggingface', provider_type: 'remote::huggingface', config: { base_url: hub.url } }] } } });
    try {
      const client = new LlamaStackClient({ baseURL: server.url });
      expect(await clientFailure(client.beta.datasets.register({ purpose: 'eval/question-answer', source: { type: 'uri', uri: 'huggingface://datasets/org/gated?split=train' } }))).toMatchObject({
        status: 401,
        error: { message: expect.stringContaining('HF_TOKEN') },
      });
      expect(hub.requests.at(-1)?.authorization).toBeUndefined();
    } finally {
      if (saved !== undefined) process.env.HF_TOKEN = saved;
      await server.close();
      hub.server.close();
    }
  });
});
