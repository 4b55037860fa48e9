import type {
  Agent,
  AgentCreateResponse,
  AgentList,
  AgentSession,
  AgentSessionCreateResponse,
  AgentStepResponse,
  AgentTurn,
  AgentTurnResponseStreamChunk,
  CreateAgentRequest,
  CreateAgentSessionRequest,
  CreateAgentTurnRequest,
  ListAgentsQuery,
  ResumeAgentTurnRequest,
} from '../generated/api-types.js';
import type { RequestContext } from '../provider.js';

/**
 * What an agents provider implements (Llama Stack 0.2–0.3's Agents API, `inline::meta-reference`):
 * agents (an AgentConfig), their sessions, and turns run by the provider's loop. Unknown ids throw
 * NotFoundError naming the parameter (`agent_id`, `session_id`, `turn_id`, `step_id`); a config or
 * turn the provider cannot serve throws InvalidRequestError naming the field.
 */
export interface AgentsProvider {
  createAgent(request: CreateAgentRequest, context: RequestContext): Promise<AgentCreateResponse>;
  listAgents(query: ListAgentsQuery): Promise<AgentList>;
  getAgent(agentId: string): Promise<Agent>;
  /** Deletes the agent with its sessions and turns. */
  deleteAgent(agentId: string): Promise<void>;
  createSession(agentId: string, request: CreateAgentSessionRequest): Promise<AgentSessionCreateResponse>;
  /** The session with its turns (only those listed in `turnIds`, when given). */
  getSession(agentId: string, sessionId: string, turnIds: readonly string[] | null): Promise<AgentSession>;
  listSessions(agentId: string, query: ListAgentsQuery): Promise<AgentList>;
  deleteSession(agentId: string, sessionId: string): Promise<void>;
  /** Runs a turn to its end, or until client tools are called (the turn then awaits resume). */
  createTurn(agentId: string, sessionId: string, request: CreateAgentTurnRequest, context: RequestContext): Promise<AgentTurn>;
  /**
   * Runs a turn as AgentTurnResponseStreamChunk events: turn_start first, turn_complete or
   * turn_awaiting_input last. Request errors are thrown before the first event.
   */
  streamTurn(agentId: string, sessionId: string, request: CreateAgentTurnRequest, context: RequestContext): Promise<AsyncIterable<AgentTurnResponseStreamChunk>>;
  getTurn(agentId: string, sessionId: string, turnId: string): Promise<AgentTurn>;
  /** Continues a turn that awaits client tool results with them. */
  resumeTurn(agentId: string, sessionId: string, turnId: string, request: ResumeAgentTurnRequest, context: RequestContext): Promise<AgentTurn>;
  streamResumeTurn(agentId: string, sessionId: string, turnId: string, request: ResumeAgentTurnRequest, context: RequestContext): Promise<AsyncIterable<AgentTurnResponseStreamChunk>>;
  getStep(agentId: string, sessionId: string, turnId: string, stepId: string): Promise<AgentStepResponse>;
}

/** The agents API's router: the one enabled provider's methods. */
export type AgentsApi = AgentsProvider;
