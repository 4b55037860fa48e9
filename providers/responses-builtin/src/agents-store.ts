import { type Agent, type AgentToolCall, type AgentTurn, type CreateAgentTurnRequest, type KvStore, NotFoundError } from '@cria/api';
import type { ChatMessage } from './responses-types.js';

/** A session as kept: its turns by id, in the order they started. */
export interface StoredSession {
  session_id: string;
  session_name: string;
  started_at: string;
  turn_ids: string[];
}

/** A turn as kept: its wire shape, the chat messages it added, and whether it waits for client tools. */
export interface StoredTurn {
  turn: AgentTurn;
  /** The turn's chat messages (its input, the model's answers, tool results), no system message. */
  messages: ChatMessage[];
  status: 'completed' | 'awaiting_input';
  /** The client tool calls a turn awaiting input waits for. */
  pending_calls: AgentToolCall[];
  /** The turn request's own tool groups and tool_config, for its resumption. */
  overrides: Pick<CreateAgentTurnRequest, 'toolgroups' | 'tool_config'>;
}

/** The end of a key range that holds every key starting with `prefix`. */
const rangeEnd = (prefix: string) => `${prefix}\uffff`;

/**
 * Agents, sessions and turns in the provider's key-value store (`persistence.agent_state`):
 * `agent:{agent_id}`, `session:{agent_id}:{session_id}`, `turn:{agent_id}:{session_id}:{turn_id}`.
 */
export class AgentsStore {
  constructor(private readonly store: KvStore) {}

  async putAgent(agent: Agent): Promise<void> {
    await this.store.set(`agent:${agent.agent_id}`, agent);
  }

  async agent(agentId: string): Promise<Agent> {
    const agent = await this.store.get<Agent>(`agent:${agentId}`);
    if (!agent) throw new NotFoundError('agent', agentId, `Agent '${agentId}' not found.`, { param: 'agent_id' });
    return agent;
  }

  /** Every agent, oldest first. */
  async agents(): Promise<Agent[]> {
    const agents = await this.store.valuesInRange<Agent>('agent:', rangeEnd('agent:'));
    return agents.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Deletes the agent with its sessions and turns. */
  async deleteAgent(agentId: string): Promise<void> {
    await this.agent(agentId);
    for (const session of await this.sessions(agentId)) await this.deleteSession(agentId, session.session_id);
    await this.store.delete(`agent:${agentId}`);
  }

  async putSession(agentId: string, session: StoredSession): Promise<void> {
    await this.store.set(`session:${agentId}:${session.session_id}`, session);
  }

  async session(agentId: string, sessionId: string): Promise<StoredSession> {
    const session = await this.store.get<StoredSession>(`session:${agentId}:${sessionId}`);
    if (!session) throw new NotFoundError('session', sessionId, `Session '${sessionId}' of agent '${agentId}' not found.`, { param: 'session_id' });
    return session;
  }

  /** The agent's sessions, oldest first. */
  async sessions(agentId: string): Promise<StoredSession[]> {
    const prefix = `session:${agentId}:`;
    const sessions = await this.store.valuesInRange<StoredSession>(prefix, rangeEnd(prefix));
    return sessions.sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  async deleteSession(agentId: string, sessionId: string): Promise<void> {
    const session = await this.session(agentId, sessionId);
    for (const turnId of session.turn_ids) await this.store.delete(`turn:${agentId}:${sessionId}:${turnId}`);
    await this.store.delete(`session:${agentId}:${sessionId}`);
  }

  async putTurn(agentId: string, stored: StoredTurn): Promise<void> {
    await this.store.set(`turn:${agentId}:${stored.turn.session_id}:${stored.turn.turn_id}`, stored);
  }

  async turn(agentId: string, sessionId: string, turnId: string): Promise<StoredTurn> {
    const stored = await this.store.get<StoredTurn>(`turn:${agentId}:${sessionId}:${turnId}`);
    if (!stored) throw new NotFoundError('turn', turnId, `Turn '${turnId}' of session '${sessionId}' not found.`, { param: 'turn_id' });
    return stored;
  }

  /** The session's turns, in the order they started. */
  async turns(agentId: string, session: StoredSession): Promise<StoredTurn[]> {
    const turns = await Promise.all(session.turn_ids.map((turnId) => this.store.get<StoredTurn>(`turn:${agentId}:${session.session_id}:${turnId}`)));
    return turns.filter((turn): turn is StoredTurn => turn !== undefined);
  }
}
