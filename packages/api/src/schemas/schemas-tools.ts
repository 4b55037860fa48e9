import { type JsonSchema, nullable, object, ref } from './json-schema.js';

/**
 * Llama Stack's tool groups, tools and tool runtime: GET/POST /v1/toolgroups, GET/DELETE
 * /v1/toolgroups/{toolgroup_id}, GET /v1/tools (0.7.1's ToolDef list), GET /v1/tools/{tool_name},
 * GET /v1/tool-runtime/list-tools and POST /v1/tool-runtime/invoke (0.2.23's routes, which 0.7.1
 * dropped from its spec but still serves in its routing tables).
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };

const mcpEndpoint = object(
  { uri: { type: 'string', minLength: 1, description: 'The MCP server\'s URL (http or https).' } },
  { required: ['uri'], additionalProperties: false, title: 'McpEndpoint', description: 'Llama Stack\'s URL object: where a tool group\'s MCP server listens.' },
);

const toolGroup = object(
  {
    identifier: text,
    provider_resource_id: nullable(text),
    provider_id: text,
    type: { type: 'string', const: 'tool_group' },
    mcp_endpoint: nullable(ref('McpEndpoint')),
    args: nullable(anyObject),
  },
  { required: ['identifier', 'provider_id', 'type'], title: 'ToolGroup', description: 'A group of related tools managed together (a registered resource).' },
);

const toolGroupList = object(
  { data: { type: 'array', items: ref('ToolGroup') } },
  { required: ['data'], title: 'ToolGroupList', description: 'Llama Stack\'s ListToolGroupsResponse.' },
);

const registerToolGroupRequest = object(
  {
    toolgroup_id: { type: 'string', minLength: 1, description: 'The id to register the tool group under.' },
    provider_id: { type: 'string', minLength: 1, description: 'The tool runtime provider serving it.' },
    mcp_endpoint: nullable(ref('McpEndpoint')),
    args: nullable(anyObject),
  },
  { required: ['toolgroup_id', 'provider_id'], additionalProperties: false, title: 'RegisterToolGroupRequest' },
);

const toolDef = object(
  {
    toolgroup_id: nullable(text),
    name: text,
    description: nullable(text),
    input_schema: nullable({ ...anyObject, description: 'JSON Schema of the tool\'s arguments.' }),
    output_schema: nullable({ ...anyObject, description: 'JSON Schema of the tool\'s structured output, when it declares one.' }),
    metadata: nullable(anyObject),
  },
  { required: ['name'], title: 'ToolDef', description: 'A tool, as Llama Stack 0.7.1 describes it.' },
);

const toolDefList = object(
  { data: { type: 'array', items: ref('ToolDef') } },
  { required: ['data'], title: 'ToolDefList', description: 'Llama Stack\'s ListToolDefsResponse.' },
);

const listToolsQuery = object(
  { toolgroup_id: { type: 'string', description: 'Only the tools of this group (`group/tool` names the group too).' } },
  { title: 'ListToolsQuery', additionalProperties: false },
);

const listRuntimeToolsQuery = object(
  {
    tool_group_id: { type: 'string', description: 'A registered tool group.' },
    mcp_endpoint: { type: 'string', description: 'An MCP server\'s URL, listed directly (needs a tool runtime provider that speaks MCP).' },
    authorization: { type: 'string', description: 'An OAuth access token for the MCP server (sent as `Authorization: Bearer <token>`).' },
  },
  { title: 'ListRuntimeToolsQuery', additionalProperties: false },
);

const invokeToolRequest = object(
  {
    tool_name: { type: 'string', minLength: 1, description: 'The tool to invoke (`group/tool` names its group too).' },
    kwargs: { ...anyObject, description: 'The tool\'s arguments.' },
    authorization: nullable({ type: 'string', description: 'An OAuth access token for the MCP server (sent as `Authorization: Bearer <token>`).' }),
  },
  { required: ['tool_name', 'kwargs'], additionalProperties: false, title: 'InvokeToolRequest' },
);

const imageContentItem = object(
  {
    type: { type: 'string', const: 'image' },
    image: object(
      {
        url: nullable(ref('McpEndpoint')),
        data: nullable({ type: 'string', description: 'The image\'s bytes, base64.' }),
      },
      { title: 'ImageContent' },
    ),
  },
  { required: ['type', 'image'], title: 'ImageContentItem' },
);

const toolContentItem: JsonSchema = {
  title: 'ToolContentItem',
  anyOf: [ref('TextContentItem'), ref('ImageContentItem')],
};

const toolInvocationResult = object(
  {
    content: nullable({ anyOf: [text, ref('ToolContentItem'), { type: 'array', items: ref('ToolContentItem') }] }),
    error_message: nullable(text),
    error_code: nullable({ type: 'integer', description: 'Llama Stack\'s convention for MCP tools: 1 when the tool reported an error, 0 otherwise.' }),
    metadata: nullable(anyObject),
  },
  { title: 'ToolInvocationResult' },
);

/** Llama Stack's reply to registering and unregistering a tool group: JSON null. */
const nullResponse: JsonSchema = { type: 'null', title: 'NullResponse' };

export const toolsSchemas: Record<string, JsonSchema> = {
  McpEndpoint: mcpEndpoint,
  ToolGroup: toolGroup,
  ToolGroupList: toolGroupList,
  RegisterToolGroupRequest: registerToolGroupRequest,
  NullResponse: nullResponse,
  ToolDef: toolDef,
  ToolDefList: toolDefList,
  ListToolsQuery: listToolsQuery,
  ListRuntimeToolsQuery: listRuntimeToolsQuery,
  InvokeToolRequest: invokeToolRequest,
  ImageContentItem: imageContentItem,
  ToolContentItem: toolContentItem,
  ToolInvocationResult: toolInvocationResult,
};
