import { randomUUID } from 'node:crypto';
import {
  type Agent,
  type AgentConfig,
  type AgentCreateResponse,
  type AgentList,
  type AgentSession,
  type AgentSessionCreateResponse,
  type AgentsProvider,
  type AgentStepResponse,
  type AgentToolResponse,
  type AgentTurn,
  type AgentTurnResponseStreamChunk,
  type ApiRouters,
  ConflictError,
  type CreateAgentRequest,
  type CreateAgentSessionRequest,
  type CreateAgentTurnRequest,
  type CreateResponseRequest,
  InvalidRequestError,
  type ListAgentsQuery,
  NotFoundError,
  type ProviderContext,
  type ProviderLifecycle,
  type RequestContext,
  type ResumeAgentTurnRequest,
  UnavailableError,
} from '@cria/api';
import { checkAgentConfig, checkAgentTools, contentText, turnMessages, turnRequest } from './agents-request.js';
import { AgentsStore, type StoredSession, type StoredTurn } from './agents-store.js';
import { chunk, completionMessage, toolCallOf, TurnRecorder } from './agents-turn.js';
import type { BuiltinResponsesConfig } from './responses-config.js';
import { ResponsesRuntime } from './responses-runtime.js';
import { newId, responseFormatOf } from './responses-input.js';
import type { ChatMessage } from './responses-types.js';

type Deps = ApiRouters<'inference', 'models' | 'tool_runtime' | 'vector_io' | 'safety'>;

/** Where agent state goes when the config names no `persistence.agent_state` (Llama Stack's default). */
const DEFAULT_AGENT_STATE = { backend: 'kv_default', namespace: 'agents' };

/** A turn being run: what it started from and what it has so far. */
interface TurnState {
  agent: Agent;
  session: StoredSession;
  turnId: string;
  startedAt: string;
  inputMessages: AgentTurn['input_messages'];
  /** The session's earlier turns as chat messages. */
  history: ChatMessage[];
  /** This turn's chat messages so far. */
  messages: ChatMessage[];
  /** The turn's own tool groups and tool_config (kept for its resumption). */
  overrides: Pick<CreateAgentTurnRequest, 'toolgroups' | 'tool_config'>;
  /** The Responses request the turn runs as. */
  request: CreateResponseRequest;
  recorder: TurnRecorder;
  /** The turn as stored, once it has been (resumed turns). */
  stored: StoredTurn | null;
}

/** A page of Llama Stack's PaginatedResponse from `start_index` and `limit`. */
function page<T>(items: readonly T[], query: ListAgentsQuery): AgentList {
  const start = query.start_index ?? 0;
  const end = query.limit !== undefined ? start + query.limit : items.length;
  return { data: items.slice(start, end) as unknown as AgentList['data'], has_more: end < items.length };
}

/**
 * Llama Stack 0.2–0.3's agents (`inline::meta-reference`) on the Responses engine: an agent's
 * config becomes a Responses request, a turn one run over the session's earlier turns plus its
 * new messages. Agents, sessions and turns are kept in `persistence.agent_state` (a kv store).
 */
export class MetaReferenceAgents implements AgentsProvider, ProviderLifecycle {
  private closed = false;

  private constructor(
    private readonly store: AgentsStore,
    private readonly runtime: ResponsesRuntime,
  ) {}

  static async create(config: BuiltinResponsesConfig, context: ProviderContext<Deps>): Promise<MetaReferenceAgents> {
    const reference = config.persistence.agent_state ?? DEFAULT_AGENT_STATE;
    const store = await context.storage.kv({ backend: reference.backend, namespace: reference.namespace ?? 'agents' });
    return new MetaReferenceAgents(new AgentsStore(store), new ResponsesRuntime(context.deps, context));
  }

  async createAgent(request: CreateAgentRequest, _context: RequestContext): Promise<AgentCreateResponse> {
    const config = request.agent_config;
    checkAgentConfig(config);
    for (const field of ['input_shields', 'output_shields'] as const) this.runtime.shieldIds(config[field], `agent_config.${field}`);
    await this.runtime.checkModel(config.model, 'agent_config.model', 'agents');
    await checkAgentTools(config, this.runtime.toolDeps);
    // Llama Stack's SamplingParams default to the greedy strategy.
    const sampling = config.sampling_params ? { sampling_params: { ...config.sampling_params, strategy: config.sampling_params.strategy ?? { type: 'greedy' as const } } } : {};
    const agent: Agent = { agent_id: randomUUID(), agent_config: { max_infer_iters: 10, enable_session_persistence: false, ...config, ...sampling }, created_at: new Date().toISOString() };
    await this.store.putAgent(agent);
    return { agent_id: agent.agent_id };
  }

  async listAgents(query: ListAgentsQuery): Promise<AgentList> {
    return page(await this.store.agents(), query);
  }

  async getAgent(agentId: string): Promise<Agent> {
    return this.store.agent(agentId);
  }

  async deleteAgent(agentId: string): Promise<void> {
    await this.store.deleteAgent(agentId);
  }

  async createSession(agentId: string, request: CreateAgentSessionRequest): Promise<AgentSessionCreateResponse> {
    await this.store.agent(agentId);
    const session: StoredSession = { session_id: randomUUID(), session_name: request.session_name, started_at: new Date().toISOString(), turn_ids: [] };
    await this.store.putSession(agentId, session);
    return { session_id: session.session_id };
  }

  async getSession(agentId: string, sessionId: string, turnIds: readonly string[] | null): Promise<AgentSession> {
    await this.store.agent(agentId);
    const session = await this.store.session(agentId, sessionId);
    return this.sessionOf(agentId, turnIds ? { ...session, turn_ids: session.turn_ids.filter((id) => turnIds.includes(id)) } : session);
  }

  async listSessions(agentId: string, query: ListAgentsQuery): Promise<AgentList> {
    await this.store.agent(agentId);
    const sessions = await this.store.sessions(agentId);
    return page(await Promise.all(sessions.map((session) => this.sessionOf(agentId, session))), query);
  }

  async deleteSession(agentId: string, sessionId: string): Promise<void> {
    await this.store.agent(agentId);
    await this.store.deleteSession(agentId, sessionId);
  }

  async createTurn(agentId: string, sessionId: string, request: CreateAgentTurnRequest, context: RequestContext): Promise<AgentTurn> {
    const state = await this.startTurn(agentId, sessionId, request);
    for await (const _chunk of this.runTurn(state, context)) {
      // The JSON reply is the turn; the events only drive it.
    }
    return (await this.store.turn(agentId, sessionId, state.turnId)).turn;
  }

  async streamTurn(agentId: string, sessionId: string, request: CreateAgentTurnRequest, context: RequestContext): Promise<AsyncIterable<AgentTurnResponseStreamChunk>> {
    const state = await this.startTurn(agentId, sessionId, request);
    const run = this.runTurn(state, context);
    return (async function* () {
      yield chunk({ event_type: 'turn_start', turn_id: state.turnId });
      yield* run;
    })();
  }

  async getTurn(agentId: string, sessionId: string, turnId: string): Promise<AgentTurn> {
    await this.store.agent(agentId);
    await this.store.session(agentId, sessionId);
    return (await this.store.turn(agentId, sessionId, turnId)).turn;
  }

  async resumeTurn(agentId: string, sessionId: string, turnId: string, request: ResumeAgentTurnRequest, context: RequestContext): Promise<AgentTurn> {
    const state = await this.resumeState(agentId, sessionId, turnId, request.tool_responses);
    for await (const _chunk of this.runTurn(state, context)) {
      // As createTurn.
    }
    return (await this.store.turn(agentId, sessionId, turnId)).turn;
  }

  async streamResumeTurn(agentId: string, sessionId: string, turnId: string, request: ResumeAgentTurnRequest, context: RequestContext): Promise<AsyncIterable<AgentTurnResponseStreamChunk>> {
    const state = await this.resumeState(agentId, sessionId, turnId, request.tool_responses);
    return this.runTurn(state, context);
  }

  async getStep(agentId: string, sessionId: string, turnId: string, stepId: string): Promise<AgentStepResponse> {
    const turn = await this.getTurn(agentId, sessionId, turnId);
    const step = turn.steps.find((candidate) => candidate.step_id === stepId);
    if (!step) throw new NotFoundError('step', stepId, `Step '${stepId}' of turn '${turnId}' not found.`, { param: 'step_id' });
    return { step };
  }

  async shutdown(): Promise<void> {
    this.closed = true;
  }

  private async sessionOf(agentId: string, session: StoredSession): Promise<AgentSession> {
    const turns = await this.store.turns(agentId, session);
    return { session_id: session.session_id, session_name: session.session_name, started_at: session.started_at, turns: turns.map((stored) => stored.turn) };
  }

  /** The chat messages of earlier turns (a turn left awaiting client tools without its unanswered calls). */
  private async history(agentId: string, session: StoredSession, before: string | null): Promise<ChatMessage[]> {
    const turns = await this.store.turns(agentId, session);
    const earlier = before === null ? turns : turns.slice(0, turns.findIndex((stored) => stored.turn.turn_id === before));
    return earlier.flatMap((stored) => {
      const last = stored.messages.at(-1);
      return stored.status === 'awaiting_input' && last?.role === 'assistant' && last.tool_calls?.length ? stored.messages.slice(0, -1) : stored.messages;
    });
  }

  private async startTurn(agentId: string, sessionId: string, request: CreateAgentTurnRequest): Promise<TurnState> {
    if (this.closed) throw new UnavailableError('The server is shutting down.');
    const agent = await this.store.agent(agentId);
    const session = await this.store.session(agentId, sessionId);
    const turnId = randomUUID();
    const overrides = { ...(request.toolgroups ? { toolgroups: request.toolgroups } : {}), ...(request.tool_config ? { tool_config: request.tool_config } : {}) };
    return {
      agent,
      session,
      turnId,
      startedAt: new Date().toISOString(),
      inputMessages: request.messages,
      history: await this.history(agentId, session, null),
      messages: turnMessages(request.messages, request.documents),
      overrides,
      request: await turnRequest(agent.agent_config, overrides, this.runtime.toolDeps),
      recorder: new TurnRecorder(turnId, []),
      stored: null,
    };
  }

  /** A turn awaiting client tools, with their results as a tool_execution step and tool messages. */
  private async resumeState(agentId: string, sessionId: string, turnId: string, responses: readonly AgentToolResponse[]): Promise<TurnState> {
    if (this.closed) throw new UnavailableError('The server is shutting down.');
    const agent = await this.store.agent(agentId);
    const session = await this.store.session(agentId, sessionId);
    const stored = await this.store.turn(agentId, sessionId, turnId);
    if (stored.status !== 'awaiting_input') throw new ConflictError(`Turn '${turnId}' is not awaiting client tool results.`, { param: 'turn_id' });
    for (const [index, response] of responses.entries()) {
      if (!stored.pending_calls.some((call) => call.call_id === response.call_id)) {
        throw new InvalidRequestError(`Turn '${turnId}' awaits no tool call '${response.call_id}' (it awaits ${stored.pending_calls.map((call) => call.call_id).join(', ')}).`, { param: `tool_responses[${index}].call_id` });
      }
    }
    const missing = stored.pending_calls.filter((call) => !responses.some((response) => response.call_id === call.call_id));
    if (missing.length > 0) throw new InvalidRequestError(`Missing the results of tool calls ${missing.map((call) => call.call_id).join(', ')}.`, { param: 'tool_responses' });
    const recorder = new TurnRecorder(turnId, [...stored.turn.steps]);
    const at = new Date().toISOString();
    recorder.addStep({ turn_id: turnId, step_id: randomUUID(), step_type: 'tool_execution', tool_calls: stored.pending_calls, tool_responses: [...responses], started_at: at, completed_at: at });
    return {
      agent,
      session,
      turnId,
      startedAt: stored.turn.started_at,
      inputMessages: stored.turn.input_messages,
      history: await this.history(agentId, session, turnId),
      messages: [...stored.messages, ...responses.map((response): ChatMessage => ({ role: 'tool', tool_call_id: response.call_id, content: contentText(response.content) }))],
      overrides: stored.overrides,
      request: await turnRequest(agent.agent_config, stored.overrides, this.runtime.toolDeps),
      recorder,
      stored,
    };
  }

  /**
   * Runs (or continues) a turn on the Responses engine as stream chunks, keeping it when the run
   * ends: turn_complete, or turn_awaiting_input when the model called client tools.
   */
  private async *runTurn(state: TurnState, context: RequestContext): AsyncGenerator<AgentTurnResponseStreamChunk> {
    const config: AgentConfig = state.agent.agent_config;
    const request = state.request;
    const prefix: ChatMessage[] = [{ role: 'system', content: config.instructions }, ...state.history];
    const run = this.runtime.run(
      {
        request,
        responseId: newId('resp'),
        createdAt: Math.floor(Date.now() / 1000),
        messages: [...prefix, ...state.messages],
        input: [],
        conversationId: null,
        approvedCalls: [],
        responseFormat: responseFormatOf(request.text),
        previousListings: [],
        guardrails: { input: config.input_shields ?? [], output: config.output_shields ?? [] },
      },
      context,
      { background: false, observer: state.recorder },
    );
    const recorder = state.recorder;
    yield* recorder.flush();
    yield* recorder.drive(run);
    // A shield that blocked the input or an answer ends the turn with its message, as Llama Stack's agents do.
    const answer = recorder.refusal !== null ? { text: recorder.refusal, toolCalls: [], finishReason: 'stop' } : recorder.lastAnswer;
    if (!answer) throw new UnavailableError('The model gave no answer for this turn.');
    const clientCalls = recorder.refusal !== null ? [] : recorder.clientCalls;
    const awaiting = clientCalls.length > 0;
    const turn: AgentTurn = {
      turn_id: state.turnId,
      session_id: state.session.session_id,
      input_messages: state.inputMessages,
      steps: recorder.steps,
      output_message: completionMessage(answer),
      output_attachments: [],
      started_at: state.startedAt,
      ...(awaiting ? {} : { completed_at: new Date().toISOString() }),
    };
    const stored: StoredTurn = { turn, messages: run.messages.slice(prefix.length), status: awaiting ? 'awaiting_input' : 'completed', pending_calls: clientCalls.map(toolCallOf), overrides: state.overrides };
    await this.store.putTurn(state.agent.agent_id, stored);
    if (!state.stored) {
      // Re-read: another turn of the session may have been added while this one ran.
      const session = await this.store.session(state.agent.agent_id, state.session.session_id);
      await this.store.putSession(state.agent.agent_id, { ...session, turn_ids: [...session.turn_ids, state.turnId] });
    }
    yield chunk(awaiting ? { event_type: 'turn_awaiting_input', turn } : { event_type: 'turn_complete', turn });
  }
}
