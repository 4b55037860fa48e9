import { agentsSchemas } from './schemas-agents.js';
import { batchesSchemas } from './schemas-batches.js';
import { chatSchemas } from './schemas-chat.js';
import { completionsSchemas } from './schemas-completions.js';
import { conversationsSchemas } from './schemas-conversations.js';
import { distributionSchemas } from './schemas-distribution.js';
import { filesSchemas } from './schemas-files.js';
import { fileProcessorsSchemas } from './schemas-file-processors.js';
import type { JsonSchema } from './json-schema.js';
import { modelsSchemas } from './schemas-models.js';
import { promptsSchemas } from './schemas-prompts.js';
import { rerankSchemas } from './schemas-rerank.js';
import { responsesSchemas } from './schemas-responses.js';
import { safetySchemas } from './schemas-safety.js';
import { datasetsSchemas } from './schemas-datasets.js';
import { scoringSchemas } from './schemas-scoring.js';
import { evalSchemas } from './schemas-eval.js';
import { telemetrySchemas } from './schemas-telemetry.js';
import { toolsSchemas } from './schemas-tools.js';
import { vectorIOSchemas } from './schemas-vector-io.js';
import { vectorStoresSchemas } from './schemas-vector-stores.js';

export { type JsonSchema, type JsonSchemaType, listOf, nullable, object, ref } from './json-schema.js';

/** The `$id` of the bundle; a definition is addressed as `${API_SCHEMA_ID}#/definitions/Name`. */
export const API_SCHEMA_ID = 'https://cria.dev/schemas/api.json';

function titled(definitions: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(definitions).map(([name, schema]) => [name, { ...schema, title: name }]));
}

/**
 * Every schema of the API in one bundle: requests, responses, stream chunks, objects and the
 * distribution config. Definitions reference each other with `#/definitions/Name`.
 */
export const apiSchemas: JsonSchema & { definitions: Record<string, JsonSchema> } = {
  $id: API_SCHEMA_ID,
  title: 'CriaApi',
  definitions: titled({
    ...modelsSchemas,
    ...chatSchemas,
    ...completionsSchemas,
    ...filesSchemas,
    ...vectorIOSchemas,
    ...vectorStoresSchemas,
    ...toolsSchemas,
    ...promptsSchemas,
    ...conversationsSchemas,
    ...responsesSchemas,
    ...agentsSchemas,
    ...safetySchemas,
    ...rerankSchemas,
    ...datasetsSchemas,
    ...scoringSchemas,
    ...evalSchemas,
    ...batchesSchemas,
    ...telemetrySchemas,
    ...fileProcessorsSchemas,
    ...distributionSchemas,
  }),
};

/** A `$ref` that resolves from outside the bundle (for validators compiled against it). */
export function schemaRef(name: keyof typeof apiSchemas.definitions & string): string {
  if (!(name in apiSchemas.definitions)) throw new Error(`no schema named ${name}`);
  return `${API_SCHEMA_ID}#/definitions/${name}`;
}
