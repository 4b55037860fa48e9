import { routesOf } from '@cria/api';

const route = routesOf('agents');

/** The turn_ids query as a list (`?turn_ids=a&turn_ids=b`, `turn_ids[]=a`, or one id). */
function turnIdsOf(query: { turn_ids?: string | string[]; 'turn_ids[]'?: string | string[] }): string[] | null {
  const given = query.turn_ids ?? query['turn_ids[]'];
  if (given === undefined) return null;
  return Array.isArray(given) ? given : [given];
}

/** The Agents routes of Llama Stack 0.3.5's experimental spec (under /v1alpha). */
export const agentsRoutes = [
  route({
    method: 'POST',
    path: '/v1alpha/agents',
    operation: 'createAgent',
    summary: 'Create an agent with the given configuration.',
    requestBody: 'CreateAgentRequest',
    response: 'AgentCreateResponse',
    async handler({ body, context, api }) {
      return { json: await api.createAgent(body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents',
    operation: 'listAgents',
    summary: 'List all agents.',
    query: 'ListAgentsQuery',
    response: 'AgentList',
    async handler({ query, api }) {
      return { json: await api.listAgents(query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents/{agent_id}',
    operation: 'getAgent',
    summary: 'Describe an agent by its ID.',
    response: 'Agent',
    async handler({ params, api }) {
      return { json: await api.getAgent(params.agent_id!) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1alpha/agents/{agent_id}',
    operation: 'deleteAgent',
    summary: 'Delete an agent by its ID and its associated sessions and turns; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.deleteAgent(params.agent_id!);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/agents/{agent_id}/session',
    operation: 'createAgentSession',
    summary: 'Create a new session for an agent.',
    requestBody: 'CreateAgentSessionRequest',
    response: 'AgentSessionCreateResponse',
    async handler({ params, body, api }) {
      return { json: await api.createSession(params.agent_id!, body) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents/{agent_id}/sessions',
    operation: 'listAgentSessions',
    summary: 'List all session(s) of a given agent.',
    query: 'ListAgentsQuery',
    response: 'AgentList',
    async handler({ params, query, api }) {
      return { json: await api.listSessions(params.agent_id!, query) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}',
    operation: 'getAgentSession',
    summary: 'Retrieve an agent session by its ID, with its turns (those of turn_ids, when given).',
    query: 'GetAgentSessionQuery',
    response: 'AgentSession',
    async handler({ params, query, api }) {
      return { json: await api.getSession(params.agent_id!, params.session_id!, turnIdsOf(query)) };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}',
    operation: 'deleteAgentSession',
    summary: 'Delete an agent session by its ID and its associated turns; answers null.',
    response: 'NullResponse',
    async handler({ params, api }) {
      await api.deleteSession(params.agent_id!, params.session_id!);
      return { json: null };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}/turn',
    operation: 'createAgentTurn',
    summary: 'Create a new turn for an agent: a Turn, or with `stream: true` AgentTurnResponseStreamChunk events.',
    requestBody: 'CreateAgentTurnRequest',
    response: 'AgentTurn',
    streamEvent: 'AgentTurnResponseStreamChunk',
    async handler({ params, body, context, api }) {
      if (body.stream) return { sse: await api.streamTurn(params.agent_id!, params.session_id!, body, context), done: false };
      return { json: await api.createTurn(params.agent_id!, params.session_id!, body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}/turn/{turn_id}',
    operation: 'getAgentTurn',
    summary: 'Retrieve an agent turn by its ID.',
    response: 'AgentTurn',
    async handler({ params, api }) {
      return { json: await api.getTurn(params.agent_id!, params.session_id!, params.turn_id!) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}/turn/{turn_id}/resume',
    operation: 'resumeAgentTurn',
    summary: 'Resume a turn that awaits client tool results with them (tool_responses).',
    requestBody: 'ResumeAgentTurnRequest',
    response: 'AgentTurn',
    streamEvent: 'AgentTurnResponseStreamChunk',
    async handler({ params, body, context, api }) {
      if (body.stream) return { sse: await api.streamResumeTurn(params.agent_id!, params.session_id!, params.turn_id!, body, context), done: false };
      return { json: await api.resumeTurn(params.agent_id!, params.session_id!, params.turn_id!, body, context) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1alpha/agents/{agent_id}/session/{session_id}/turn/{turn_id}/step/{step_id}',
    operation: 'getAgentStep',
    summary: 'Retrieve an agent step by its ID.',
    response: 'AgentStepResponse',
    async handler({ params, api }) {
      return { json: await api.getStep(params.agent_id!, params.session_id!, params.turn_id!, params.step_id!) };
    },
  }),
];
