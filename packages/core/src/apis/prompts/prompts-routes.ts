import { routesOf } from '@cria/api';

const route = routesOf('prompts');

/** Llama Stack 0.7.1's Prompts routes. */
export const promptsRoutes = [
  route({
    method: 'GET',
    path: '/v1/prompts',
    operation: 'listPrompts',
    summary: 'The default version of every prompt.',
    response: 'ListPromptsResponse',
    async handler({ api }) {
      return { json: await api.listPrompts() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/prompts',
    operation: 'createPrompt',
    summary: 'Create a prompt template (version 1, the default); every {{ placeholder }} must be declared in variables.',
    requestBody: 'CreatePromptRequest',
    response: 'Prompt',
    async handler({ body, api }) {
      return { json: await api.createPrompt(body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/prompts/{prompt_id}',
    operation: 'getPrompt',
    summary: 'A prompt: its default version, or the version asked for.',
    query: 'GetPromptQuery',
    response: 'Prompt',
    async handler({ params, query, api }) {
      return { json: await api.getPrompt(params.prompt_id!, query.version ?? null) };
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/prompts/{prompt_id}',
    operation: 'updatePrompt',
    summary: 'Write the next version of a prompt from its latest version (named in version); the new default unless set_as_default is false.',
    requestBody: 'UpdatePromptRequest',
    response: 'Prompt',
    async handler({ params, body, api }) {
      return { json: await api.updatePrompt(params.prompt_id!, body) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/prompts/{prompt_id}',
    operation: 'deletePrompt',
    summary: 'Delete a prompt and all its versions; answers null, as Llama Stack\'s server does.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.deletePrompt(params.prompt_id!);
      return { json: null };
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/prompts/{prompt_id}/set-default-version',
    operation: 'setDefaultPromptVersion',
    summary: 'Make a version of a prompt its default.',
    requestBody: 'SetDefaultVersionRequest',
    response: 'Prompt',
    async handler({ params, body, api }) {
      return { json: await api.setDefaultVersion(params.prompt_id!, body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/prompts/{prompt_id}/versions',
    operation: 'listPromptVersions',
    summary: 'Every version of a prompt, oldest first.',
    response: 'ListPromptsResponse',
    async handler({ params, api }) {
      return { json: await api.listPromptVersions(params.prompt_id!) };
    },
  }),
];
