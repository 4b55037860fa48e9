import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, temporaryDirectory, type TestServer } from '@cria/testing';

// A provider published as its own npm package, named by `module:` in a distribution: the way
// users extend Cria. The package here is plain JavaScript, depending on nothing but the contract.
const PACKAGE_SOURCE = `
const chat = (request) => ({
  id: 'chatcmpl-reverse-' + Date.now(),
  object: 'chat.completion',
  created: Math.floor(Date.now() / 1000),
  model: request.model,
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: String(request.messages.at(-1).content).split('').reverse().join('') } }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const unsupported = async () => { throw Object.assign(new Error('not supported by the reverse provider'), { name: 'UnsupportedError' }); };
export default {
  specVersion: 1,
  api: 'inference',
  providerType: 'inline::reverse',
  description: 'Answers with the last message reversed.',
  configSchema: { type: 'object', properties: { prefix: { type: 'string', default: '' } }, additionalProperties: false },
  create: (config) => ({
    chatCompletion: async (request) => { const reply = chat(request); reply.choices[0].message.content = config.prefix + reply.choices[0].message.content; return reply; },
    streamChatCompletion: unsupported,
    completion: unsupported,
    streamCompletion: unsupported,
    embeddings: unsupported,
    listModels: async () => [{ providerModelId: 'reverser', modelType: 'llm' }],
  }),
};
`;

/** Writes a plain JavaScript package into `root`'s node_modules. */
function writePackage(root: string, name: string, source: string): void {
  const packageDir = join(root, 'node_modules', name);
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { import: './index.js' } } }));
  writeFileSync(join(packageDir, 'index.js'), source);
}

describe('a provider package named by module:', () => {
  const temp = temporaryDirectory();
  let server: TestServer;

  beforeAll(async () => {
    writePackage(temp.dir, 'cria-provider-reverse', PACKAGE_SOURCE);
    server = await startTestServer({
      dataDir: temp.dir,
      distribution: { providers: { inference: [{ provider_id: 'rev', provider_type: 'inline::reverse', module: 'cria-provider-reverse', config: { prefix: '> ' } }] } },
    });
  });
  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('is loaded, configured with its schema\'s defaults and validation, and served', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'rev/reverser', messages: [{ role: 'user', content: 'stressed' }] });
    expect(completion.choices[0]!.message.content).toBe('> desserts');
    const providers = (await (await fetch(`${server.baseURL}/providers`)).json()) as { data: unknown[] };
    expect(providers.data[0]).toMatchObject({ provider_type: 'inline::reverse', config: { prefix: '> ' } });
    await expect(
      startTestServer({ dataDir: temp.dir, distribution: { providers: { inference: [{ provider_id: 'rev', provider_type: 'inline::reverse', module: 'cria-provider-reverse', config: { prefix: 3 } }] } } }),
    ).rejects.toThrow(/providers\.inference\[0\]\.config\.prefix: Invalid type/);
  });
});

// Llama Stack's external_providers_dir layout: remote/<api>/<adapter>.yaml naming the module.
describe('external_providers_dir', () => {
  const temp = temporaryDirectory();
  let server: TestServer;

  beforeAll(async () => {
    writePackage(temp.dir, 'cria-provider-reverse', PACKAGE_SOURCE.replace("'inline::reverse'", "'remote::reverse'"));
    mkdirSync(join(temp.dir, 'providers.d', 'remote', 'inference'), { recursive: true });
    writeFileSync(join(temp.dir, 'providers.d', 'remote', 'inference', 'reverse.yaml'), 'adapter_type: reverse\nmodule: cria-provider-reverse\npip_packages: []\napi_dependencies: []\n');
    server = await startTestServer({
      dataDir: temp.dir,
      distribution: { external_providers_dir: './providers.d', providers: { inference: [{ provider_id: 'rev', provider_type: 'remote::reverse' }] } },
    });
  });
  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  it('loads the provider its YAML names and serves it', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'rev/reverser', messages: [{ role: 'user', content: 'drawer' }] });
    expect(completion.choices[0]!.message.content).toBe('reward');
  });

  it('says which file names a module that does not define the provider', async () => {
    writeFileSync(join(temp.dir, 'providers.d', 'remote', 'inference', 'other.yaml'), 'adapter_type: other\nmodule: cria-provider-reverse\n');
    await expect(
      startTestServer({ dataDir: temp.dir, distribution: { external_providers_dir: './providers.d', providers: { inference: [{ provider_id: 'rev', provider_type: 'remote::reverse' }] } } }),
    ).rejects.toThrow(/other\.yaml: cria-provider-reverse does not define the inference provider remote::other/);
  });
});

// An API from a package (Llama Stack's external_apis_dir), with its own schemas, routes and
// provider; its errors carry the marker of Cria's errors without importing @cria/api.
const GREETINGS_SOURCE = `
const notFound = (message) => Object.assign(new Error(message), {
  [Symbol.for('cria.error')]: ['NotFoundError', 'CriaError'], kind: 'not_found', param: 'name', code: 'unknown_name', retryAfterSeconds: null,
});
const api = {
  specVersion: 1,
  name: 'greetings',
  description: 'Greets people.',
  kind: 'providers',
  schemas: {
    $id: 'https://example.com/greetings.json',
    definitions: {
      GreetRequest: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false },
      Greeting: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
  },
  createRouter: ({ providers }) => ({
    greet: (name) => providers[0].impl.greet(name),
  }),
  routes: [
    { api: 'greetings', method: 'POST', path: '/v1/greetings', operation: 'greet', summary: 'Greet someone.', requestBody: 'GreetRequest', response: 'Greeting',
      handler: async ({ body, api }) => ({ json: await api.greet(body.name) }) },
  ],
};
const hello = {
  specVersion: 1,
  api: 'greetings',
  providerType: 'inline::hello',
  description: 'Says hello.',
  configSchema: { type: 'object', properties: { word: { type: 'string', default: 'Hello' } } },
  create: (config) => ({
    greet: async (name) => { if (name === 'nobody') throw notFound('nobody is not here'); return { text: config.word + ', ' + name + '!' }; },
  }),
};
export default [api, hello];
`;

describe('external_apis_dir', () => {
  const temp = temporaryDirectory();
  let server: TestServer;

  beforeAll(async () => {
    writePackage(temp.dir, 'cria-api-greetings', GREETINGS_SOURCE);
    mkdirSync(join(temp.dir, 'apis.d'), { recursive: true });
    writeFileSync(join(temp.dir, 'apis.d', 'greetings.yaml'), 'name: greetings\nmodule: cria-api-greetings\n');
    server = await startTestServer({
      dataDir: temp.dir,
      distribution: { external_apis_dir: './apis.d', providers: { greetings: [{ provider_id: 'hello', provider_type: 'inline::hello', config: { word: 'Hi' } }] } },
    });
  });
  afterAll(async () => {
    await server?.close();
    temp.remove();
  });

  const greet = (body: unknown) => fetch(`${server.baseURL}/greetings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the API\'s routes, validated against its own schemas, and lists them', async () => {
    expect(await (await greet({ name: 'Ada' })).json()).toEqual({ text: 'Hi, Ada!' });
    const invalid = await greet({ name: '' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { param: string } }).error.param).toBe('name');
    const routes = (await (await fetch(`${server.baseURL}/inspect/routes`)).json()) as { data: { route: string; provider_types: string[] }[] };
    expect(routes.data).toContainEqual({ route: '/v1/greetings', method: 'POST', provider_types: ['inline::hello'] });
    const openApi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(openApi.paths['/v1/greetings']).toBeDefined();
    expect(openApi.components.schemas.GreetRequest).toBeDefined();
  });

  it('answers an error thrown with the marker of Cria\'s errors (from any copy of @cria/api) as that error, not a 500', async () => {
    const missing = await greet({ name: 'nobody' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { message: 'nobody is not here', type: 'invalid_request_error', param: 'name', code: 'unknown_name' } });
  });
});
