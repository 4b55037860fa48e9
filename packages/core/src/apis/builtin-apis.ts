import type { AnyApiModule } from '@cria/api';
import type { ApiEntry } from '../catalog/catalog.js';

type BuiltinApi = Pick<ApiEntry, 'name' | 'kind'> & { load(): Promise<AnyApiModule> };

/**
 * The APIs this build serves, each one module (one folder). A module is imported only when a
 * distribution serves it, so start-up pays for the APIs in use. Adding an API is a folder and
 * one entry here.
 */
export const BUILTIN_APIS: readonly BuiltinApi[] = [
  { name: 'inference', kind: 'providers', load: async () => (await import('./inference/inference-api.js')).inferenceApi },
  { name: 'models', kind: 'core', load: async () => (await import('./models/models-api.js')).modelsApi },
  { name: 'files', kind: 'providers', load: async () => (await import('./files/files-api.js')).filesApi },
  { name: 'vector_io', kind: 'providers', load: async () => (await import('./vector-io/vector-io-api.js')).vectorIoApi },
  { name: 'tool_runtime', kind: 'providers', load: async () => (await import('./tool-runtime/tool-runtime-api.js')).toolRuntimeApi },
  { name: 'safety', kind: 'providers', load: async () => (await import('./safety/safety-api.js')).safetyApi },
  { name: 'datasetio', kind: 'providers', load: async () => (await import('./datasetio/datasetio-api.js')).datasetioApi },
  { name: 'scoring', kind: 'providers', load: async () => (await import('./scoring/scoring-api.js')).scoringApi },
  { name: 'eval', kind: 'providers', load: async () => (await import('./eval/eval-api.js')).evalApi },
  { name: 'telemetry', kind: 'providers', load: async () => (await import('./telemetry/telemetry-api.js')).telemetryApi },
  { name: 'prompts', kind: 'core', load: async () => (await import('./prompts/prompts-api.js')).promptsApi },
  { name: 'responses', kind: 'providers', load: async () => (await import('./responses/responses-api.js')).responsesApi },
  { name: 'agents', kind: 'providers', load: async () => (await import('./agents/agents-api.js')).agentsApi },
  { name: 'conversations', kind: 'core', load: async () => (await import('./conversations/conversations-api.js')).conversationsApi },
  { name: 'inspect', kind: 'core', load: async () => (await import('./inspect/inspect-api.js')).inspectApi },
  { name: 'providers', kind: 'core', load: async () => (await import('./providers/providers-api.js')).providersApi },
  { name: 'batches', kind: 'providers', load: async () => (await import('./batches/batches-api.js')).batchesApi },
  { name: 'file_processors', kind: 'providers', load: async () => (await import('./file-processors/file-processors-api.js')).fileProcessorsApi },
];
