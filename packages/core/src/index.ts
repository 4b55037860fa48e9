export { type Distribution, type DistributionProviderEntry, type LoadDistributionOptions, loadDistributionFile, parseDistribution } from './distribution/distribution-loader.js';
export { type Environment, substituteEnv, substituteString } from './distribution/distribution-env.js';
export { type ApiEntry, Catalog, type CommandEntry, NODE_CONDITIONS, definitionsOf, findPackageDirectory, type ModuleImporter, packageEntry, type PackageJson, type ProviderEntry, readPackageJson } from './catalog/catalog.js';
export { addBuiltinApis, type BuildStackOptions, buildStack } from './stack/stack-build.js';
export { type ProviderInstance, type ServedApi, Stack, type StackCradle } from './stack/stack.js';
export { LLAMA_STACK_APIS } from './stack/stack-plan.js';
export { BUILTIN_APIS } from './apis/builtin-apis.js';
// The API modules' internals are not exported: each module is loaded only when a distribution serves it.
export { expandPath, StorageBackends } from './storage/storage-backends.js';
export { allSchemaDefinitions, compileApiValidator, compileSchema, describeValidationError, jsonPointerToPath, registerSchemaBundle, schemaDefinition, schemaRefOf, type ValidationFailure, type Validator } from './validation/validation.js';
export { createLogger, type LogLevel, namedLogger, redactText, setDistributionLogLevel } from './logger.js';
// The server's request logger names the request's span with it (one helper for the core and the providers).
export { traceLogFields } from '@cria/provider-utils';
export { compileOutboundPolicy, CoreOutboundUrlGuard, createOutboundUrlGuard, type OutboundPolicy, type OutboundResolver, type OutboundUrlGuardOptions, parseOutboundRule } from './outbound/outbound-url-guard.js';
