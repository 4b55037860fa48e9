import { type JsonSchema, object, ref } from './json-schema.js';

/**
 * Llama Stack 0.2–0.3's Agents API (0.3.5's experimental spec, under /v1alpha): agents with an
 * AgentConfig, their sessions, turns (streamed as AgentTurnResponseStreamChunk events), the
 * resumption of a turn with client tool results, and its steps.
 */

const text: JsonSchema = { type: 'string' };
const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const stepType: JsonSchema = { type: 'string', enum: ['inference', 'tool_execution', 'shield_call', 'memory_retrieval'] };

/** Llama Stack's InterleavedContent: a string, a content item, or a list of them. */
const interleavedContent: JsonSchema = { anyOf: [text, ref('ToolContentItem'), { type: 'array', items: ref('ToolContentItem') }] };

const samplingStrategy: JsonSchema = {
  type: 'object',
  description: 'greedy, top_p (temperature, top_p) or top_k (top_k).',
  properties: {
    type: { type: 'string', enum: ['greedy', 'top_p', 'top_k'] },
    temperature: { type: 'number', minimum: 0 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 1 },
  },
  required: ['type'],
  additionalProperties: false,
};

const samplingParams = object(
  {
    strategy: samplingStrategy,
    max_tokens: { type: 'integer', minimum: 0, default: 0, description: 'The most tokens a model call may generate (0: no limit).' },
    repetition_penalty: { type: 'number', default: 1.0 },
    stop: { type: 'array', items: text, maxItems: 4 },
  },
  { additionalProperties: false, description: 'Sampling parameters.' },
);

const agentTool: JsonSchema = {
  description: 'A tool group by id (`builtin::websearch`, `mcp::calc`), or with args (`{name: "builtin::rag", args: {vector_db_ids: [...]}}`).',
  anyOf: [{ type: 'string', minLength: 1 }, object({ name: { type: 'string', minLength: 1 }, args: anyObject }, { required: ['name', 'args'], additionalProperties: false, title: 'AgentToolGroupWithArgs' })],
};

const clientTool = object(
  {
    toolgroup_id: text,
    name: { type: 'string', minLength: 1 },
    description: text,
    input_schema: anyObject,
    output_schema: anyObject,
    metadata: anyObject,
  },
  { required: ['name'], additionalProperties: false, description: 'A tool the client runs: the turn waits for its result (resume).' },
);

const toolConfig = object(
  {
    tool_choice: { type: 'string', default: 'auto', description: 'auto, required, none, or the name of a tool to call.' },
    tool_prompt_format: { type: 'string', enum: ['json', 'function_tag', 'python_list'] },
    system_message_behavior: { type: 'string', enum: ['append', 'replace'], default: 'append' },
  },
  { additionalProperties: false, description: 'Configuration for tool use.' },
);

const agentResponseFormat: JsonSchema = {
  type: 'object',
  description: 'json_schema (json_schema) or grammar (bnf).',
  properties: { type: { type: 'string', enum: ['json_schema', 'grammar'] }, json_schema: anyObject, bnf: anyObject },
  required: ['type'],
  additionalProperties: false,
};

const agentConfig = object(
  {
    sampling_params: ref('AgentSamplingParams'),
    input_shields: { type: 'array', items: text },
    output_shields: { type: 'array', items: text },
    toolgroups: { type: 'array', items: ref('AgentTool') },
    client_tools: { type: 'array', items: ref('AgentClientTool') },
    tool_choice: { type: 'string', enum: ['auto', 'required', 'none'], deprecated: true },
    tool_prompt_format: { type: 'string', enum: ['json', 'function_tag', 'python_list'], deprecated: true },
    tool_config: ref('AgentToolConfig'),
    max_infer_iters: { type: 'integer', minimum: 1, default: 10 },
    model: { type: 'string', minLength: 1, description: 'The model identifier to use for the agent.' },
    instructions: { type: 'string', description: 'The system instructions for the agent.' },
    name: text,
    enable_session_persistence: { type: 'boolean', default: false },
    response_format: ref('AgentResponseFormat'),
  },
  { required: ['model', 'instructions'], additionalProperties: false, description: 'Configuration for an agent.' },
);

const userMessage = object(
  { role: { type: 'string', const: 'user' }, content: interleavedContent, context: interleavedContent },
  { required: ['role', 'content'], additionalProperties: false },
);

const toolResponseMessage = object(
  { role: { type: 'string', const: 'tool' }, call_id: text, content: interleavedContent },
  { required: ['role', 'call_id', 'content'], additionalProperties: false },
);

const turnInputMessage: JsonSchema = { anyOf: [ref('AgentUserMessage'), ref('AgentToolResponseMessage')], tsType: 'AgentUserMessage | AgentToolResponseMessage' };

const toolCall = object({ call_id: text, tool_name: text, arguments: text }, { required: ['call_id', 'tool_name', 'arguments'], additionalProperties: false });

const toolResponse = object(
  { call_id: { type: 'string', minLength: 1 }, tool_name: text, content: interleavedContent, metadata: anyObject },
  { required: ['call_id', 'tool_name', 'content'], additionalProperties: false, description: 'What a tool answered.' },
);

const completionMessage = object(
  {
    role: { type: 'string', const: 'assistant' },
    content: interleavedContent,
    stop_reason: { type: 'string', enum: ['end_of_turn', 'end_of_message', 'out_of_tokens'] },
    tool_calls: { type: 'array', items: ref('AgentToolCall') },
  },
  { required: ['role', 'content', 'stop_reason'], additionalProperties: false },
);

const stepBase = { turn_id: text, step_id: text, started_at: dateTime, completed_at: dateTime };

const inferenceStep = object({ ...stepBase, step_type: { type: 'string', const: 'inference' }, model_response: ref('AgentCompletionMessage') }, { required: ['turn_id', 'step_id', 'step_type', 'model_response'], additionalProperties: false });
const toolExecutionStep = object(
  { ...stepBase, step_type: { type: 'string', const: 'tool_execution' }, tool_calls: { type: 'array', items: ref('AgentToolCall') }, tool_responses: { type: 'array', items: ref('AgentToolResponse') } },
  { required: ['turn_id', 'step_id', 'step_type', 'tool_calls', 'tool_responses'], additionalProperties: false },
);
const shieldCallStep = object(
  { ...stepBase, step_type: { type: 'string', const: 'shield_call' }, violation: ref('SafetyViolation') },
  { required: ['turn_id', 'step_id', 'step_type'], additionalProperties: false },
);
const memoryRetrievalStep = object(
  { ...stepBase, step_type: { type: 'string', const: 'memory_retrieval' }, vector_db_ids: text, inserted_context: interleavedContent },
  { required: ['turn_id', 'step_id', 'step_type', 'vector_db_ids', 'inserted_context'], additionalProperties: false },
);
const agentStep: JsonSchema = {
  anyOf: [ref('AgentInferenceStep'), ref('AgentToolExecutionStep'), ref('AgentShieldCallStep'), ref('AgentMemoryRetrievalStep')],
  tsType: 'AgentInferenceStep | AgentToolExecutionStep | AgentShieldCallStep | AgentMemoryRetrievalStep',
};

const attachment = object({ content: { anyOf: [interleavedContent, object({ uri: text }, { required: ['uri'] })] }, mime_type: text }, { required: ['content', 'mime_type'] });

const turn = object(
  {
    turn_id: text,
    session_id: text,
    input_messages: { type: 'array', items: ref('AgentTurnInputMessage') },
    steps: { type: 'array', items: ref('AgentStep') },
    output_message: ref('AgentCompletionMessage'),
    output_attachments: { type: 'array', items: attachment },
    started_at: dateTime,
    completed_at: dateTime,
  },
  { required: ['turn_id', 'session_id', 'input_messages', 'steps', 'output_message', 'started_at'], additionalProperties: false, description: 'A single turn in an interaction with an agent.' },
);

const session = object(
  { session_id: text, session_name: text, turns: { type: 'array', items: ref('AgentTurn') }, started_at: dateTime },
  { required: ['session_id', 'session_name', 'turns', 'started_at'], additionalProperties: false },
);

const agent = object(
  { agent_id: text, agent_config: ref('AgentConfig'), created_at: dateTime },
  { required: ['agent_id', 'agent_config', 'created_at'], additionalProperties: false },
);

const paginated = object(
  { data: { type: 'array', items: anyObject }, has_more: { type: 'boolean' }, url: text },
  { required: ['data', 'has_more'], additionalProperties: false, description: 'Llama Stack\'s PaginatedResponse.' },
);

const listQuery = object(
  {
    start_index: { type: 'integer', minimum: 0, description: 'The index to start from.' },
    limit: { type: 'integer', minimum: 1, description: 'How many to return.' },
  },
  { additionalProperties: false },
);

const stringOrList: JsonSchema = { anyOf: [text, { type: 'array', items: text }] };

const getSessionQuery = object({ turn_ids: stringOrList, 'turn_ids[]': stringOrList }, { additionalProperties: false });

const streamChunk = object(
  {
    event: object(
      {
        payload: object(
          {
            event_type: { type: 'string', enum: ['step_start', 'step_complete', 'step_progress', 'turn_start', 'turn_complete', 'turn_awaiting_input'] },
            step_type: stepType,
            step_id: text,
            step_details: ref('AgentStep'),
            metadata: anyObject,
            delta: anyObject,
            turn_id: text,
            turn: ref('AgentTurn'),
          },
          { required: ['event_type'], additionalProperties: false },
        ),
      },
      { required: ['payload'], additionalProperties: false },
    ),
  },
  { required: ['event'], additionalProperties: false, description: 'One event of a streamed turn.' },
);

export const agentsSchemas: Record<string, JsonSchema> = {
  AgentSamplingParams: samplingParams,
  AgentTool: agentTool,
  AgentClientTool: clientTool,
  AgentToolConfig: toolConfig,
  AgentResponseFormat: agentResponseFormat,
  AgentConfig: agentConfig,
  AgentUserMessage: userMessage,
  AgentToolResponseMessage: toolResponseMessage,
  AgentTurnInputMessage: turnInputMessage,
  AgentToolCall: toolCall,
  AgentToolResponse: toolResponse,
  AgentCompletionMessage: completionMessage,
  AgentInferenceStep: inferenceStep,
  AgentToolExecutionStep: toolExecutionStep,
  AgentShieldCallStep: shieldCallStep,
  AgentMemoryRetrievalStep: memoryRetrievalStep,
  AgentStep: agentStep,
  AgentTurn: turn,
  AgentSession: session,
  Agent: agent,
  AgentList: paginated,
  ListAgentsQuery: listQuery,
  GetAgentSessionQuery: getSessionQuery,
  CreateAgentRequest: object({ agent_config: ref('AgentConfig') }, { required: ['agent_config'], additionalProperties: false }),
  AgentCreateResponse: object({ agent_id: text }, { required: ['agent_id'], additionalProperties: false }),
  CreateAgentSessionRequest: object({ session_name: { type: 'string' } }, { required: ['session_name'], additionalProperties: false }),
  AgentSessionCreateResponse: object({ session_id: text }, { required: ['session_id'], additionalProperties: false }),
  CreateAgentTurnRequest: object(
    {
      messages: { type: 'array', items: ref('AgentTurnInputMessage'), minItems: 1 },
      stream: { type: 'boolean', default: false },
      documents: { type: 'array', items: attachment },
      toolgroups: { type: 'array', items: ref('AgentTool') },
      tool_config: ref('AgentToolConfig'),
    },
    { required: ['messages'], additionalProperties: false },
  ),
  ResumeAgentTurnRequest: object(
    { tool_responses: { type: 'array', items: ref('AgentToolResponse'), minItems: 1 }, stream: { type: 'boolean', default: false } },
    { required: ['tool_responses'], additionalProperties: false },
  ),
  AgentStepResponse: object({ step: ref('AgentStep') }, { required: ['step'], additionalProperties: false }),
  AgentTurnResponseStreamChunk: streamChunk,
};
