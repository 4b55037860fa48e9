export { type CriaServerOptions, createPipeline, type ListenOptions, type RunningServer, startServer } from './server-listen.js';
export { type PipelineOptions, RequestPipeline } from './server-pipeline.js';
export { type HookName, type HookRegistrations, HookSet, type ServerHooks } from './server-hooks.js';
export { HttpRequestContext, ServerRequest } from './server-request.js';
export { type ErrorReply, toErrorReply } from './server-errors.js';
export { buildOpenApi } from './server-openapi.js';
export { writeSse } from './server-sse.js';
