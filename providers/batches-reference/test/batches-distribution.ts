import { join } from 'node:path';
import { sqliteStorage } from '@cria/testing';

/** A distribution of the batches API over a fake OpenAI upstream: remote::openai, inline::localfs, inline::reference (and the responses API). */
export function batchesDistribution(upstreamUrl: string, dataDir: string, batchesConfig: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 2,
    distro_name: 'batches-test',
    apis: ['inference', 'files', 'batches', 'responses'],
    providers: {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      files: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { storage_dir: join(dataDir, 'files'), metadata_store: { backend: 'sql_default', table_name: 'files_metadata' } } }],
      batches: [{ provider_id: 'reference', provider_type: 'inline::reference', config: { kvstore: { backend: 'kv_default', namespace: 'batches' }, ...batchesConfig } }],
      responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: {} }],
    },
    registered_resources: {
      models: [
        { model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' },
        { model_id: 'fake-embedding', provider_id: 'openai', model_type: 'embedding', metadata: { embedding_dimension: 16 } },
        // Registered here, unknown upstream: its lines fail there (404).
        { model_id: 'retired-llm', provider_id: 'openai', model_type: 'llm' },
      ],
    },
    storage: sqliteStorage(dataDir),
  };
}

/** A JSONL input file of chat completions, one per custom id; the user message names the line so the upstream's log shows which line it got. */
export function chatLines(customIds: readonly string[], model = 'fake-llm'): string {
  return customIds.map((customId) => JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: `line ${customId}` }] } })).join('\n');
}
