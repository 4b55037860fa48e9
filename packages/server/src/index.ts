export { type CriaApp, type CriaServerOptions, createApp, type ListenOptions, type RunningServer, startServer } from './server-app.js';
export { type ErrorReply, toErrorReply } from './server-errors.js';
export { buildOpenApi } from './server-openapi.js';
export { defineRoutes, type RouteDefinition, type RouteInput, type RouteResult } from './server-routes.js';
export { writeSse } from './server-sse.js';
