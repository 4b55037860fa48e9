import type { RouteDefinition } from '@cria/api';
import { allSchemaDefinitions, schemaDefinition } from '@cria/core';

function toComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponents);
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (key === 'tsType') continue;
      result[key] = key === '$ref' && typeof entry === 'string' ? entry.replace('#/definitions/', '#/components/schemas/') : toComponents(entry);
    }
    return result;
  }
  return value;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('ErrorResponse') } } });

/** An upload: the `file` part and the form fields of schema `name`. */
const formBody = (name: string) => ({
  required: true,
  content: { 'multipart/form-data': { schema: { allOf: [ref(name), { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } }] } } },
});

/** OpenAPI 3.1 for the route table, with the API schema bundle as its components. */
export function buildOpenApi(routes: readonly RouteDefinition[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace('...}', '}');
    const parameters: unknown[] = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (route.query) {
      const query = schemaDefinition(route.query)!;
      for (const [name, schema] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema: toComponents(schema) });
      }
    }
    const content: Record<string, unknown> = { [route.responseContentType ?? 'application/json']: { schema: ref(route.response) } };
    if (route.streamEvent) content['text/event-stream'] = { schema: ref(route.streamEvent) };
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = {
      operationId: route.operation,
      summary: route.summary,
      tags: [route.api],
      ...(route.deprecated ? { deprecated: true } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.requestBody ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.requestBody) } } } } : {}),
      ...(route.requestForm ? { requestBody: formBody(route.requestForm) } : {}),
      responses: {
        '200': { description: 'OK', content },
        '400': errorResponse('The request is invalid; `error.param` names the field.'),
        '404': errorResponse('A named resource does not exist.'),
        '502': errorResponse('The upstream provider failed.'),
        '504': errorResponse('The upstream provider did not answer in time.'),
      },
    };
  }
  const schemas = Object.fromEntries(Object.entries(allSchemaDefinitions()).map(([name, schema]) => [name, toComponents(schema)]));
  return {
    openapi: '3.1.0',
    info: { title: 'Cria', version, description: 'An OpenAI- and Llama Stack-compatible server composed from provider packages.' },
    servers: [{ url: '/' }],
    paths,
    components: { schemas },
  };
}
