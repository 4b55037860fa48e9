import type { ChatMessage, ChatTool, CreateResponseRequest, ResponseFormat, ResponseItem, ResponseObject, ResponseStreamEvent } from '@cria/api';

export type { ChatMessage };

/** An output item as the engine builds it (OpenAI's shape for its type). */
export type OutputItem = ResponseItem & Record<string, unknown>;

/** A streamed event before its sequence number is stamped. */
export type UnnumberedEvent = Omit<ResponseStreamEvent, 'sequence_number'> & Record<string, unknown>;

/** A response request with what the provider resolved before running it. */
export interface PreparedResponse {
  request: CreateResponseRequest;
  responseId: string;
  createdAt: number;
  /** The chat messages the model sees first (instructions and prompt included). */
  messages: ChatMessage[];
  /** The input items as stored (ids filled in), previous turns excluded. */
  input: ResponseItem[];
  /** The conversation the response appends to. */
  conversationId: string | null;
  /** MCP calls approved by mcp_approval_response items of the input, to run before the model. */
  approvedCalls: ApprovedMcpCall[];
  /** The chat response_format for `text.format`. */
  responseFormat: ResponseFormat | undefined;
  /** MCP tool listings of the previous response, reused instead of listing again. */
  previousListings: OutputItem[];
  /** Shields that check the input before the first model call and each answer after it (none when absent). */
  guardrails?: { input: readonly string[]; output: readonly string[] };
}

/** An MCP call the client approved: the request it answers. */
export interface ApprovedMcpCall {
  approvalRequestId: string;
  serverLabel: string;
  name: string;
  arguments: string;
}

/** A chat tool the model is offered, and who runs it. */
export interface OfferedTool {
  chat: ChatTool;
  kind: 'function' | 'file_search' | 'web_search' | 'mcp';
  /** For MCP tools: the label of the server in `tools`. */
  serverLabel?: string;
}

export type ResponseSnapshot = ResponseObject & Record<string, unknown>;
