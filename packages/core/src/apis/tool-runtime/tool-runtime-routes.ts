import { routesOf } from '@cria/api';

const route = routesOf('tool_runtime');

/** Llama Stack's tool groups, tools and tool runtime routes (0.2.23's, with 0.7.1's ToolDef shape). */
export const toolRuntimeRoutes = [
  route({
    method: 'GET',
    path: '/v1/toolgroups',
    operation: 'listToolGroups',
    summary: 'The registered tool groups.',
    response: 'ToolGroupList',
    async handler({ api }) {
      return { json: await api.listToolGroups() };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/toolgroups',
    operation: 'registerToolGroup',
    summary: 'Register a tool group: toolgroup_id, provider_id, and mcp_endpoint {uri} for an MCP server; answers null.',
    requestBody: 'RegisterToolGroupRequest',
    response: 'NullResponse',
    async handler({ body, api }) {
      await api.registerToolGroup(body);
      return { json: null };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/toolgroups/{toolgroup_id}',
    operation: 'getToolGroup',
    summary: 'One tool group.',
    response: 'ToolGroup',
    async handler({ params, api }) {
      return { json: await api.getToolGroup(params.toolgroup_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/toolgroups/{toolgroup_id}',
    operation: 'unregisterToolGroup',
    summary: 'Unregister a tool group; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.unregisterToolGroup(params.toolgroup_id!);
      return { json: null };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/tools',
    operation: 'listTools',
    summary: 'The tools of every tool group, or of one (toolgroup_id).',
    query: 'ListToolsQuery',
    response: 'ToolDefList',
    async handler({ query, api, context }) {
      return { json: await api.listTools(query, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/tools/{tool_name}',
    operation: 'getTool',
    summary: 'One tool, by name.',
    response: 'ToolDef',
    async handler({ params, api, context }) {
      return { json: await api.getTool(params.tool_name!, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/tool-runtime/list-tools',
    operation: 'listRuntimeTools',
    summary: 'The tools a provider lists now for a tool group (tool_group_id) or an MCP server (mcp_endpoint).',
    query: 'ListRuntimeToolsQuery',
    response: 'ToolDefList',
    async handler({ query, api, context }) {
      return { json: await api.listRuntimeTools(query, context) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/tool-runtime/invoke',
    operation: 'invokeTool',
    summary: 'Invoke a tool with its arguments (kwargs); a tool that reports an error answers 200 with error_code 1.',
    requestBody: 'InvokeToolRequest',
    response: 'ToolInvocationResult',
    async handler({ body, api, context }) {
      return { json: await api.invokeTool(body, context) };
    },
  }),
];
