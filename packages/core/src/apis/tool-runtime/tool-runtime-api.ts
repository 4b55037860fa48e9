import { defineApi } from '@cria/api';
import { ToolRuntimeRouter } from './tool-runtime-router.js';
import { toolRuntimeRoutes } from './tool-runtime-routes.js';

/**
 * Llama Stack's tool groups and tool runtime: tool groups are `tool_group` resources of the
 * registry (POST /v1/toolgroups, or the distribution's registered_resources.tool_groups); their
 * tools are listed and invoked at the group's provider (an MCP server for
 * remote::model-context-protocol).
 */
export const toolRuntimeApi = defineApi({
  name: 'tool_runtime',
  description: 'Tool groups (registered resources), their tools, and tool invocation at the group\'s provider.',
  kind: 'providers',
  createRouter({ providers, registry, logger, config }) {
    const configured = [...(config.registered_resources?.tool_groups ?? []), ...(config.tool_groups ?? [])];
    return new ToolRuntimeRouter(providers, registry, logger, configured);
  },
  routes: toolRuntimeRoutes,
});
