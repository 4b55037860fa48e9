import {
  type AgentConfig,
  type AgentTool,
  type AgentToolConfig,
  type AgentTurnInputMessage,
  type ChatMessage,
  type CreateAgentTurnRequest,
  type CreateResponseRequest,
  InvalidRequestError,
  NotFoundError,
  type ResponseTool,
  type ToolContentItem,
  type ToolRuntimeApi,
  type VectorIOApi,
} from '@cria/api';

/** Tool groups the agents API maps to the Responses engine's own tools. */
const WEB_SEARCH_GROUPS = new Set(['builtin::websearch', 'builtin::web_search']);
const FILE_SEARCH_GROUPS = new Set(['builtin::rag', 'builtin::file_search']);

/** What tool groups need to be resolved. */
export interface AgentToolDeps {
  toolRuntime?: ToolRuntimeApi;
  vectorIo?: VectorIOApi;
}

/** A tool group entry as its group id, the one tool it names (`group/tool`), and its args. */
function toolGroupOf(tool: AgentTool): { groupId: string; toolName: string | null; args: Record<string, unknown> } {
  const name = typeof tool === 'string' ? tool : tool.name;
  const args = typeof tool === 'string' ? {} : tool.args;
  // `builtin::rag/knowledge_search` names one tool of a group.
  const slash = name.indexOf('/');
  return slash > 0 ? { groupId: name.slice(0, slash), toolName: name.slice(slash + 1), args } : { groupId: name, toolName: null, args };
}

/** The Responses tools of an agent's tool groups (checked: a 400 names the entry at `param`). */
async function toolsOfGroups(toolgroups: readonly AgentTool[], param: string, deps: AgentToolDeps): Promise<ResponseTool[]> {
  const tools: ResponseTool[] = [];
  for (const [index, entry] of toolgroups.entries()) {
    const at = `${param}[${index}]`;
    const { groupId, toolName, args } = toolGroupOf(entry);
    if (WEB_SEARCH_GROUPS.has(groupId)) {
      if (!deps.toolRuntime) throw new InvalidRequestError(`${groupId} needs the tool_runtime API with a web search provider; this distribution does not serve it.`, { param: at });
      tools.push({ type: 'web_search' });
      continue;
    }
    if (FILE_SEARCH_GROUPS.has(groupId)) {
      const ids = args.vector_store_ids ?? args.vector_db_ids;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
        throw new InvalidRequestError(`${groupId} needs args.vector_store_ids (or vector_db_ids): the vector stores to search.`, { param: `${at}.args` });
      }
      if (!deps.vectorIo) throw new InvalidRequestError(`${groupId} needs the vector_io API, which this distribution does not serve.`, { param: at });
      const maxResults = (args.query_config as { max_chunks?: unknown } | undefined)?.max_chunks ?? args.max_num_results;
      tools.push({ type: 'file_search', vector_store_ids: ids as string[], ...(typeof maxResults === 'number' ? { max_num_results: maxResults } : {}) });
      continue;
    }
    if (!deps.toolRuntime) throw new InvalidRequestError(`Tool group '${groupId}' needs the tool_runtime API, which this distribution does not serve.`, { param: at });
    let group;
    try {
      group = await deps.toolRuntime.getToolGroup(groupId);
    } catch (error) {
      if (NotFoundError.is(error)) throw new InvalidRequestError(`Tool group '${groupId}' is not registered (register it with POST /v1/toolgroups).`, { param: at });
      throw error;
    }
    if (!group.mcp_endpoint?.uri) {
      throw new InvalidRequestError(`Tool group '${groupId}' has no mcp_endpoint: agents run builtin::websearch, builtin::rag (file search) and MCP tool groups.`, { param: at });
    }
    tools.push({ type: 'mcp', server_label: groupId, server_url: group.mcp_endpoint.uri, require_approval: 'never', ...(toolName ? { allowed_tools: [toolName] } : {}) });
  }
  return tools;
}

/** Checks what of an AgentConfig the engine cannot run (a 400 names the field under `param`). */
export function checkAgentConfig(config: AgentConfig, param = 'agent_config'): void {
  const sampling = config.sampling_params;
  if (sampling?.strategy?.type === 'top_k') throw new InvalidRequestError('top_k sampling is not supported by the OpenAI-compatible inference the agents run on; use greedy or top_p.', { param: `${param}.sampling_params.strategy` });
  if (sampling?.stop?.length) throw new InvalidRequestError('stop sequences are not supported for agents; remove sampling_params.stop.', { param: `${param}.sampling_params.stop` });
  if (sampling?.repetition_penalty !== undefined && sampling.repetition_penalty !== 1) {
    throw new InvalidRequestError('repetition_penalty is not supported for agents; leave it at 1.0.', { param: `${param}.sampling_params.repetition_penalty` });
  }
  if (config.response_format?.type === 'grammar') throw new InvalidRequestError('grammar response formats are not supported; use json_schema.', { param: `${param}.response_format` });
  if (config.response_format?.type === 'json_schema' && !config.response_format.json_schema) {
    throw new InvalidRequestError('A json_schema response format needs its json_schema.', { param: `${param}.response_format.json_schema` });
  }
  const names = new Set<string>();
  for (const [index, tool] of (config.client_tools ?? []).entries()) {
    if (names.has(tool.name)) throw new InvalidRequestError(`Two client tools are named '${tool.name}'.`, { param: `${param}.client_tools[${index}].name` });
    names.add(tool.name);
  }
}

/** Resolves the agent's tool groups once, so a bad one is a 400 when the agent is created. */
export async function checkAgentTools(config: AgentConfig, deps: AgentToolDeps): Promise<void> {
  await toolsOfGroups(config.toolgroups ?? [], 'agent_config.toolgroups', deps);
}

/**
 * The Responses request a turn runs as: instructions, sampling (greedy → temperature 0, top_p →
 * temperature/top_p, max_tokens → max_output_tokens), tools (tool groups, then client tools as
 * function tools), tool_choice, max_infer_iters and response_format. The messages are the
 * caller's (the session's turns), so `input` is left empty.
 */
export async function turnRequest(config: AgentConfig, turn: Pick<CreateAgentTurnRequest, 'toolgroups' | 'tool_config'>, deps: AgentToolDeps): Promise<CreateResponseRequest> {
  const tools = [
    ...(await toolsOfGroups(config.toolgroups ?? [], 'agent_config.toolgroups', deps)),
    ...(await toolsOfGroups(turn.toolgroups ?? [], 'toolgroups', deps)),
    ...(config.client_tools ?? []).map((tool): ResponseTool => ({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.input_schema ?? { type: 'object', properties: {}, required: [] },
      strict: false,
    })),
  ];
  const toolConfig: AgentToolConfig = { ...(config.tool_choice ? { tool_choice: config.tool_choice } : {}), ...config.tool_config, ...turn.tool_config };
  const sampling = config.sampling_params;
  const strategy = sampling?.strategy;
  const request: CreateResponseRequest = {
    model: config.model,
    input: [],
    instructions: config.instructions,
    tools,
    max_infer_iters: config.max_infer_iters ?? 10,
    store: false,
    ...(strategy?.type === 'greedy' ? { temperature: 0 } : {}),
    ...(strategy?.type === 'top_p' ? { ...(strategy.temperature !== undefined ? { temperature: strategy.temperature } : {}), top_p: strategy.top_p ?? 0.95 } : {}),
    ...(sampling?.max_tokens ? { max_output_tokens: sampling.max_tokens } : {}),
    ...(config.response_format?.type === 'json_schema' ? { text: { format: { type: 'json_schema', name: 'response', schema: config.response_format.json_schema!, strict: false } } } : {}),
  };
  const choice = toolConfig.tool_choice;
  if (choice && tools.length > 0) {
    request.tool_choice = choice === 'auto' || choice === 'required' || choice === 'none' ? choice : { type: 'function', name: choice };
  }
  return request;
}

/** A tool's or message's content as text (images are left out). */
export function contentText(content: string | ToolContentItem | ToolContentItem[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  const items = Array.isArray(content) ? content : [content];
  return items.map((item) => (item.type === 'text' ? item.text : '')).join('');
}

/** A turn's input messages (and its documents, appended to the last user message) as chat messages. */
export function turnMessages(messages: readonly AgentTurnInputMessage[], documents: CreateAgentTurnRequest['documents']): ChatMessage[] {
  const chat: ChatMessage[] = messages.map((message, index): ChatMessage => {
    if (message.role === 'tool') return { role: 'tool', tool_call_id: message.call_id, content: contentText(message.content) };
    const parts = userParts(message.content, `messages[${index}].content`);
    if (message.context !== undefined) parts.push({ type: 'text', text: `\n\nHere is the retrieved context:\n${contentText(message.context)}` });
    return { role: 'user', content: parts.every((part) => part.type === 'text') ? parts.map((part) => part.text).join('') : parts };
  });
  if (documents?.length) {
    const texts = documents.map((document, index) => {
      const content = document.content;
      if (typeof content === 'object' && content !== null && 'uri' in content) {
        throw new InvalidRequestError('Documents by URL are not supported; send their text.', { param: `documents[${index}].content` });
      }
      if (!document.mime_type.startsWith('text/') && document.mime_type !== 'application/json') {
        throw new InvalidRequestError(`Documents of type ${document.mime_type} are not supported; send text.`, { param: `documents[${index}].mime_type` });
      }
      return contentText(content as string | ToolContentItem | ToolContentItem[]);
    });
    const lastUser = [...chat].reverse().find((message) => message.role === 'user');
    const appended = `\n\n${texts.join('\n\n')}`;
    if (!lastUser) chat.push({ role: 'user', content: appended.trim() });
    else if (typeof lastUser.content === 'string') lastUser.content += appended;
    else (lastUser.content as { type: string; text?: string }[]).push({ type: 'text', text: appended });
  }
  return chat;
}

type UserPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

function userParts(content: string | ToolContentItem | ToolContentItem[], param: string): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const items = Array.isArray(content) ? content : [content];
  return items.map((item, index): UserPart => {
    if (item.type === 'text') return { type: 'text', text: item.text };
    const image = (item as { image: unknown }).image as { url?: { uri?: string } | null; data?: string | null };
    if (image.url?.uri) return { type: 'image_url', image_url: { url: image.url.uri } };
    if (image.data) return { type: 'image_url', image_url: { url: image.data.startsWith('data:') ? image.data : `data:image/png;base64,${image.data}` } };
    throw new InvalidRequestError('An image needs its url or data.', { param: `${param}[${index}].image` });
  });
}
