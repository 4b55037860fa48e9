import { describe, expect, it } from 'vitest';
import { defineApi, defineProvider, type FilesApi, type InferenceProvider, routesOf } from './index.js';

// The contract is typed by construction: these lines compile only as the comments say (the
// workspace's typecheck, `tsc -p tsconfig.json`, runs over this file, and an expected error that
// does not happen fails it).

const fail = async (): Promise<never> => {
  throw new Error('not called');
};

const echoInference: InferenceProvider = {
  chatCompletion: fail,
  streamChatCompletion: fail,
  completion: fail,
  streamCompletion: fail,
  embeddings: fail,
};

describe('typed contract', () => {
  it('types a provider by its API, its dependencies by theirs, and routes by their schemas', () => {
    const inference = defineProvider({
      api: 'inference',
      providerType: 'inline::echo',
      description: 'x',
      configSchema: {},
      dependencies: ['files'],
      create: (_config, context) => {
        // A required dependency is there, typed as its router.
        const files: FilesApi = context.deps.files;
        void files;
        return echoInference;
      },
    });
    expect(inference.specVersion).toBe(1);

    defineProvider({
      api: 'inference',
      providerType: 'inline::broken',
      description: 'x',
      configSchema: {},
      // @ts-expect-error an inference provider must implement the inference protocol
      create: () => ({ chatCompletion: fail }),
    });

    defineProvider({
      api: 'files',
      providerType: 'inline::nothing',
      description: 'x',
      configSchema: {},
      optionalDependencies: ['vector_io'],
      create: (_config, context) => {
        // @ts-expect-error an optional dependency may be absent
        context.deps.vector_io.listVectorStores({});
        return { uploadFile: fail, listFiles: fail, retrieveFile: fail, deleteFile: fail, retrieveFileContent: fail };
      },
    });

    // @ts-expect-error there is no such API in the map
    defineProvider({ api: 'nonsense', providerType: 'inline::x', description: 'x', configSchema: {}, create: () => ({}) });

    const route = routesOf('inference');
    const chat = route({
      method: 'POST',
      path: '/v1/x',
      operation: 'x',
      summary: 'x',
      requestBody: 'ChatCompletionRequest',
      response: 'ChatCompletion',
      handler: async ({ body, api }) => {
        // The body is typed by the schema the route names, the router by the route's API.
        const model: string = body.model;
        // @ts-expect-error no such field in ChatCompletionRequest
        void body.not_a_field;
        return { json: await api.chatCompletion({ ...body, model }) };
      },
    });
    expect(chat.api).toBe('inference');

    route({
      method: 'GET',
      path: '/v1/y',
      operation: 'y',
      summary: 'y',
      // @ts-expect-error a route names schemas that exist
      query: 'NoSuchSchema',
      response: 'ChatCompletion',
      handler: () => ({ status: 204 }),
    });

    const api = defineApi({
      name: 'files',
      description: 'x',
      kind: 'providers',
      dependencies: ['models'],
      // @ts-expect-error the router must offer its API
      createRouter: ({ deps, providers }) => {
        void deps.models.listModels;
        void providers[0]?.impl.uploadFile;
        return {};
      },
    });
    expect(api.specVersion).toBe(1);
  });
});
