export * from './generated/api-types.js';
export * from './errors.js';
export * from './provider.js';
export * from './storage.js';
export * from './protocols/inference.js';
export * from './protocols/files.js';
export * from './protocols/vector-stores.js';
export { API_SCHEMA_ID, apiSchemas, schemaRef, listOf, nullable, object, ref, type JsonSchema, type JsonSchemaType } from './schemas/index.js';
export * from './protocols/vector-io.js';
