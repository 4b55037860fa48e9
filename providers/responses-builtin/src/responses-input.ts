import { randomUUID } from 'node:crypto';
import {
  type ChatContentPartFile,
  type ChatContentPartImage,
  type ChatContentPartText,
  type ChatMessage,
  type ChatMessageAssistant,
  type CreateResponseRequest,
  type FilesApi,
  InvalidRequestError,
  isCriaError,
  NotFoundError,
  type OutboundUrlGuard,
  type PromptsApi,
  readFileContent,
  type ResponseFormat,
  type ResponseItem,
} from '@cria/api';

type UserPart = ChatContentPartText | ChatContentPartImage | ChatContentPartFile;

/** Where the content of input parts comes from: the files API (`file_id`) and the web (`file_url`, through the outbound guard). */
export interface ContentSources {
  files: FilesApi | undefined;
  outbound: OutboundUrlGuard;
  signal?: AbortSignal;
}

/** The largest file a `file_url` may name (OpenAI's limit for file inputs). */
const MAX_FETCHED_FILE_BYTES = 32 * 1024 * 1024;
type Item = ResponseItem & Record<string, unknown>;
type Part = { type: string } & Record<string, unknown>;

/** Ids as Llama Stack makes them (`msg_<uuid>`, `fc_<uuid>`, ...). */
export const newId = (prefix: string): string => `${prefix}_${randomUUID()}`;

/** The request's input as items: a string is one user message; messages get ids when they lack one. */
export function inputItems(input: CreateResponseRequest['input']): Item[] {
  if (typeof input === 'string') return [{ type: 'message', id: newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] }];
  return input.map((raw) => {
    const item = raw as Item;
    if (item.type === undefined || item.type === 'message') {
      const content = typeof item.content === 'string' ? [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content }] : item.content;
      return { ...item, type: 'message', id: (item.id as string | undefined) ?? newId('msg'), content } as Item;
    }
    return { ...item };
  });
}

/** Text of content parts (or a string), for roles that take only text. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Part[]).map((part) => (typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : '')).join('');
}

async function dataUrlOf(fileId: string, files: FilesApi | undefined, param: string): Promise<{ url: string; filename: string }> {
  if (!files) throw new InvalidRequestError(`A file_id needs the files API, which this distribution does not serve.`, { param });
  try {
    const content = await files.retrieveFileContent(fileId);
    const bytes = await readFileContent(content);
    const type = /\.pdf$/i.test(content.file.filename) ? 'application/pdf' : /\.png$/i.test(content.file.filename) ? 'image/png' : /\.jpe?g$/i.test(content.file.filename) ? 'image/jpeg' : 'application/octet-stream';
    return { url: `data:${type};base64,${bytes.toString('base64')}`, filename: content.file.filename };
  } catch (error) {
    if (NotFoundError.is(error)) throw new InvalidRequestError(`File '${fileId}' not found.`, { param, code: 'file_not_found', cause: error });
    throw error;
  }
}

/** A file named by URL, fetched through the outbound guard, as a data URL. */
async function fetchedDataUrl(url: string, sources: ContentSources, param: string): Promise<{ url: string; filename: string }> {
  await sources.outbound.check(url, param);
  let response: Response;
  try {
    response = await sources.outbound.fetchFor(param)(url, { signal: sources.signal ?? AbortSignal.timeout(30_000), redirect: 'follow' });
  } catch (error) {
    if (isCriaError(error)) throw error;
    throw new InvalidRequestError(`Could not fetch ${url}: ${(error as Error).message}.`, { param, code: 'file_url_unreachable' });
  }
  if (!response.ok) throw new InvalidRequestError(`Fetching ${url} answered ${response.status}.`, { param, code: 'file_url_unreachable' });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_FETCHED_FILE_BYTES) throw new InvalidRequestError(`${url} is larger than ${MAX_FETCHED_FILE_BYTES} bytes.`, { param, code: 'file_too_large' });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_FETCHED_FILE_BYTES) throw new InvalidRequestError(`${url} is larger than ${MAX_FETCHED_FILE_BYTES} bytes.`, { param, code: 'file_too_large' });
  const type = (response.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
  const filename = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'file');
  return { url: `data:${type};base64,${bytes.toString('base64')}`, filename };
}

async function userParts(content: unknown, sources: ContentSources, param: string): Promise<string | UserPart[]> {
  const files = sources.files;
  if (typeof content === 'string') return content;
  const parts: UserPart[] = [];
  for (const [index, part] of (content as Part[]).entries()) {
    const at = `${param}[${index}]`;
    if (part.type === 'input_text' || part.type === 'output_text') parts.push({ type: 'text', text: part.text as string });
    else if (part.type === 'input_image') {
      const detail = (part.detail as 'auto' | 'low' | 'high' | undefined) ?? 'auto';
      if (typeof part.image_url === 'string') parts.push({ type: 'image_url', image_url: { url: part.image_url, detail } });
      else if (typeof part.file_id === 'string') parts.push({ type: 'image_url', image_url: { url: (await dataUrlOf(part.file_id, files, `${at}.file_id`)).url, detail } });
      else throw new InvalidRequestError('An input_image needs image_url or file_id.', { param: `${at}.image_url` });
    } else if (part.type === 'input_file') {
      if (typeof part.file_data === 'string') {
        parts.push({ type: 'file', file: { file_data: part.file_data, ...(typeof part.filename === 'string' ? { filename: part.filename } : {}) } });
      } else if (typeof part.file_id === 'string') {
        const { url, filename } = await dataUrlOf(part.file_id, files, `${at}.file_id`);
        parts.push({ type: 'file', file: { file_data: url, filename: (part.filename as string | undefined) ?? filename } });
      } else if (typeof part.file_url === 'string') {
        const { url, filename } = await fetchedDataUrl(part.file_url, sources, `${at}.file_url`);
        parts.push({ type: 'file', file: { file_data: url, filename: (part.filename as string | undefined) ?? filename } });
      } else throw new InvalidRequestError('An input_file needs file_id or file_data.', { param: `${at}.file_id` });
    }
  }
  return parts;
}

/** Appends a tool call to the assistant message just before it, or starts one. */
function pushToolCall(messages: ChatMessage[], id: string, name: string, args: string): void {
  const last = messages.at(-1);
  const call = { id, type: 'function' as const, function: { name, arguments: args } };
  if (last?.role === 'assistant' && last.tool_calls) last.tool_calls.push(call);
  else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

/**
 * Converts items to the chat messages the model reads (Llama Stack's
 * convert_response_input_to_chat_messages): messages by role, function calls as assistant tool
 * calls followed by their outputs as tool messages, MCP calls as both. Listings, approvals and
 * search calls are not messages (their results are already tool messages).
 */
export async function toChatMessages(items: readonly Item[], sources: ContentSources, param = 'input'): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  for (const [index, item] of items.entries()) {
    const at = `${param}[${index}]`;
    switch (item.type) {
      case 'message': {
        const role = item.role as 'user' | 'assistant' | 'system' | 'developer';
        if (role === 'assistant') {
          const refusal = Array.isArray(item.content) ? (item.content as Part[]).find((part) => part.type === 'refusal') : undefined;
          const message: ChatMessageAssistant = { role: 'assistant', content: textOf(item.content) };
          if (refusal) message.refusal = refusal.refusal as string;
          messages.push(message);
        } else if (role === 'user') messages.push({ role: 'user', content: await userParts(item.content, sources, `${at}.content`) });
        else messages.push({ role, content: textOf(item.content) });
        break;
      }
      case 'function_call':
        pushToolCall(messages, item.call_id as string, item.name as string, item.arguments as string);
        break;
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.call_id as string, content: typeof item.output === 'string' ? item.output : textOf(item.output) });
        break;
      case 'mcp_call':
        pushToolCall(messages, item.id as string, item.name as string, item.arguments as string);
        messages.push({ role: 'tool', tool_call_id: item.id as string, content: (item.output as string | null) ?? (item.error as string | null) ?? '' });
        break;
      default:
        break;
    }
  }
  return messages;
}

/** The chat completion's response_format for the Responses `text.format` (text: none). */
export function responseFormatOf(text: CreateResponseRequest['text']): ResponseFormat | undefined {
  const format = text?.format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name!,
      ...(format.schema ? { schema: format.schema } : {}),
      ...(format.description ? { description: format.description } : {}),
      ...(format.strict !== undefined ? { strict: format.strict } : {}),
    },
  };
}

/**
 * The system message of a stored prompt (Llama Stack's _prepend_prompt): `{{ name }}` replaced by
 * the request's values; every value must name a variable the prompt declares. Images and files
 * become `[Image: name]` in the text and a user message after the others.
 */
export async function promptMessages(
  prompt: NonNullable<CreateResponseRequest['prompt']>,
  prompts: PromptsApi | undefined,
  sources: ContentSources,
): Promise<{ system: ChatMessage; media: ChatMessage | null }> {
  if (!prompts) throw new InvalidRequestError('prompt needs the prompts API, which this distribution does not serve.', { param: 'prompt' });
  const version = prompt.version ? Number(prompt.version) : null;
  if (version !== null && !Number.isInteger(version)) throw new InvalidRequestError(`prompt.version must be a version number, not '${prompt.version}'.`, { param: 'prompt.version' });
  let stored;
  try {
    stored = await prompts.getPrompt(prompt.id, version);
  } catch (error) {
    if (NotFoundError.is(error)) throw new InvalidRequestError(error.message, { param: 'prompt.id', code: 'prompt_not_found', cause: error });
    throw error;
  }
  const substitutions = new Map<string, string>();
  const media: UserPart[] = [];
  for (const [name, value] of Object.entries(prompt.variables ?? {})) {
    if (!stored.variables.includes(name)) {
      throw new InvalidRequestError(`Variable '${name}' is not defined in prompt '${prompt.id}' (it declares: ${stored.variables.join(', ') || 'none'}).`, { param: `prompt.variables.${name}` });
    }
    if (typeof value === 'string') substitutions.set(name, value);
    else if (value.type === 'input_text') substitutions.set(name, (value as { text: string }).text);
    else {
      media.push(...((await userParts([value], sources, `prompt.variables.${name}`)) as UserPart[]));
      const kind = value.type.replace('input_', '').replace(/_/g, ' ');
      substitutions.set(name, `[${kind.charAt(0).toUpperCase()}${kind.slice(1)}: ${name}]`);
    }
  }
  const text = (stored.prompt ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name: string) => substitutions.get(name) ?? match);
  return { system: { role: 'system', content: text }, media: media.length ? { role: 'user', content: media } : null };
}
