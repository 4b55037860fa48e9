import { defineApi } from '@cria/api';
import { PromptsRouter } from './prompts-router.js';
import { promptsRoutes } from './prompts-routes.js';

/** Llama Stack's default for `storage.stores.prompts` (ServerStoresConfig), used when the distribution names none. */
const DEFAULT_PROMPTS_STORE = { backend: 'kv_default', namespace: 'prompts' } as const;

/**
 * Llama Stack's Prompts API: versioned prompt templates with declared `{{ variables }}`, in the
 * distribution's `prompts` kv store. Like Llama Stack's it is served by the core (an internal
 * API): every distribution has it, and one without a prompts store (or a kv_default backend)
 * answers 400 naming the missing store.
 */
export const promptsApi = defineApi({
  name: 'prompts',
  description: 'Versioned prompt templates with declared variables, kept in the prompts kv store.',
  kind: 'core',
  stores: [{ name: 'prompts', kind: 'kv', description: 'Every version of every prompt, and which version is the default (Llama Stack\'s keys).' }],
  createRouter({ store, storeRef, storage, config }) {
    const kvDefault = config.storage?.backends?.[DEFAULT_PROMPTS_STORE.backend];
    return new PromptsRouter(async () => {
      if (storeRef('prompts')) return store('prompts', 'kv');
      return kvDefault?.type.startsWith('kv_') ? storage.kv(DEFAULT_PROMPTS_STORE) : null;
    });
  },
  routes: promptsRoutes,
});
