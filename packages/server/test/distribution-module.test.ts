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

describe('a provider package named by module:', () => {
  const temp = temporaryDirectory();
  let server: TestServer;

  beforeAll(async () => {
    const packageDir = join(temp.dir, 'node_modules', 'cria-provider-reverse');
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: 'cria-provider-reverse', type: 'module', exports: { '.': { import: './index.js' } } }));
    writeFileSync(join(packageDir, 'index.js'), PACKAGE_SOURCE);
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
