import { randomUUID } from 'node:crypto';
import type {
  AgentCompletionMessage,
  AgentStep,
  AgentToolCall,
  AgentToolResponse,
  AgentTurnResponseStreamChunk,
  ResponseStreamEvent,
  SafetyViolation,
} from '@cria/api';
import type { ObservedToolCall, ResponseRun, RunObserver } from './responses-engine.js';

type Payload = AgentTurnResponseStreamChunk['event']['payload'];

/** A model call's answer as the agents API reports it. */
export interface ModelAnswer {
  text: string;
  toolCalls: ObservedToolCall[];
  finishReason: string | null;
}

const now = () => new Date().toISOString();

export const toolCallOf = (call: ObservedToolCall): AgentToolCall => ({ call_id: call.id, tool_name: call.name, arguments: call.arguments });

/** Llama Stack's CompletionMessage for a model answer. */
export function completionMessage(answer: ModelAnswer): AgentCompletionMessage {
  const stopReason = answer.finishReason === 'length' ? 'out_of_tokens' : answer.toolCalls.length > 0 ? 'end_of_message' : 'end_of_turn';
  return { role: 'assistant', content: answer.text, stop_reason: stopReason, tool_calls: answer.toolCalls.map(toolCallOf) };
}

export function chunk(payload: Payload): AgentTurnResponseStreamChunk {
  return { event: { payload } };
}

/**
 * Turns a Responses run into a turn's steps and Llama Stack's stream events: each model call is
 * an inference step (its text and tool call deltas as step_progress), the server-side tools run
 * after it a tool_execution step. The engine reports the steps through RunObserver; the events
 * give the deltas.
 */
export class TurnRecorder implements RunObserver {
  private readonly queue: AgentTurnResponseStreamChunk[] = [];
  private inference: { stepId: string; startedAt: string } | null = null;
  private toolStep: { stepId: string; startedAt: string; calls: AgentToolCall[]; responses: AgentToolResponse[] } | null = null;
  /** Calls the server ran (the others of the last answer are the client's). */
  private readonly ranCalls = new Set<string>();
  /** The last model call's answer. */
  lastAnswer: ModelAnswer | null = null;
  /** The message of a shield that blocked the input or an answer: the turn's output. */
  refusal: string | null = null;

  constructor(
    private readonly turnId: string,
    /** The turn's steps so far; new ones are appended. */
    readonly steps: AgentStep[],
  ) {}

  /** The tool calls of the last answer the server did not run: the client's. */
  get clientCalls(): ObservedToolCall[] {
    return (this.lastAnswer?.toolCalls ?? []).filter((call) => !this.ranCalls.has(call.id));
  }

  /** Appends a finished step (and, when streaming, its start and completion events). */
  addStep(step: AgentStep): void {
    this.steps.push(step);
    this.queue.push(chunk({ event_type: 'step_start', step_type: step.step_type, step_id: step.step_id }));
    this.queue.push(chunk({ event_type: 'step_complete', step_type: step.step_type, step_id: step.step_id, step_details: step }));
  }

  modelCallStarted(): void {
    this.closeToolStep();
    this.inference = { stepId: randomUUID(), startedAt: now() };
    this.queue.push(chunk({ event_type: 'step_start', step_type: 'inference', step_id: this.inference.stepId }));
  }

  modelCallEnded(answer: ModelAnswer): void {
    const open = this.inference ?? { stepId: randomUUID(), startedAt: now() };
    this.inference = null;
    this.lastAnswer = answer;
    for (const call of answer.toolCalls) {
      this.progress(open.stepId, { type: 'tool_call', tool_call: toolCallOf(call), parse_status: 'succeeded' });
    }
    const step: AgentStep = { turn_id: this.turnId, step_id: open.stepId, step_type: 'inference', model_response: completionMessage(answer), started_at: open.startedAt, completed_at: now() };
    this.steps.push(step);
    this.queue.push(chunk({ event_type: 'step_complete', step_type: 'inference', step_id: open.stepId, step_details: step }));
  }

  toolCallStarted(call: ObservedToolCall): void {
    if (!this.toolStep) {
      this.toolStep = { stepId: randomUUID(), startedAt: now(), calls: [], responses: [] };
      this.queue.push(chunk({ event_type: 'step_start', step_type: 'tool_execution', step_id: this.toolStep.stepId }));
    }
    this.toolStep.calls.push(toolCallOf(call));
  }

  /** A shield_call step per guardrail check, with the blocking violation (Llama Stack's ShieldCallStep). */
  shieldChecked(_phase: 'input' | 'output', _shieldIds: readonly string[], violation: SafetyViolation | null): void {
    this.closeToolStep();
    const at = now();
    this.addStep({ turn_id: this.turnId, step_id: randomUUID(), step_type: 'shield_call', ...(violation ? { violation } : {}), started_at: at, completed_at: at });
    if (violation?.violation_level === 'error') this.refusal = violation.user_message || "I can't answer that. Can I help with something else?";
  }

  toolCallEnded(call: ObservedToolCall, output: string, failed: boolean): void {
    this.ranCalls.add(call.id);
    this.toolStep?.responses.push({ call_id: call.id, tool_name: call.name, content: output, ...(failed ? { metadata: { error: true } } : {}) });
  }

  /** The run's events as the turn's stream chunks; throws the run's failure at its end. */
  async *drive(run: ResponseRun): AsyncGenerator<AgentTurnResponseStreamChunk> {
    for await (const event of run.run()) {
      this.onEvent(event);
      yield* this.queue.splice(0);
    }
    this.closeToolStep();
    yield* this.queue.splice(0);
    if (run.failure) throw run.failure;
  }

  /** Events queued by addStep, for a caller that adds steps outside a run. */
  flush(): AgentTurnResponseStreamChunk[] {
    return this.queue.splice(0);
  }

  private onEvent(event: ResponseStreamEvent): void {
    const stepId = this.inference?.stepId;
    if (!stepId) return;
    const fields = event as unknown as Record<string, unknown>;
    if (event.type === 'response.output_text.delta') this.progress(stepId, { type: 'text', text: String(fields.delta) });
    else if (event.type === 'response.output_item.added' && (fields.item as { type?: string }).type === 'function_call') this.progress(stepId, { type: 'tool_call', tool_call: '', parse_status: 'started' });
    else if (event.type === 'response.function_call_arguments.delta') this.progress(stepId, { type: 'tool_call', tool_call: String(fields.delta), parse_status: 'in_progress' });
  }

  private progress(stepId: string, delta: Record<string, unknown>): void {
    this.queue.push(chunk({ event_type: 'step_progress', step_type: 'inference', step_id: stepId, delta }));
  }

  private closeToolStep(): void {
    const open = this.toolStep;
    if (!open) return;
    this.toolStep = null;
    const step: AgentStep = { turn_id: this.turnId, step_id: open.stepId, step_type: 'tool_execution', tool_calls: open.calls, tool_responses: open.responses, started_at: open.startedAt, completed_at: now() };
    this.steps.push(step);
    this.queue.push(chunk({ event_type: 'step_complete', step_type: 'tool_execution', step_id: open.stepId, step_details: step }));
  }
}
