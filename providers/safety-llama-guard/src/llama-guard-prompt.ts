import { type ChatContentPartImage, type ChatMessage, type ChatMessageUser, InvalidRequestError } from '@cria/api';
import { LLAMA_GUARD_CATEGORIES, LLAMA_GUARD_CODES, type LlamaGuardCode } from './llama-guard-categories.js';

/** What shapes Llama Guard's prompt: the model's categories and those the distribution leaves out. */
export interface LlamaGuardPromptOptions {
  categories: readonly LlamaGuardCode[];
  excludedCategories: readonly LlamaGuardCode[];
}

/**
 * The conversation Llama Guard judges, as Llama Stack prepares it: a first message that is not
 * the user's becomes a user message (a tool result, a system prompt), and of two leading user
 * messages the first is dropped. Throws InvalidRequestError (param `messages`) when it is empty.
 */
export function prepareConversation(messages: readonly ChatMessage[]): ChatMessage[] {
  if (messages.length === 0) throw new InvalidRequestError('Llama Guard needs at least one message to judge.', { param: 'messages' });
  const conversation = [...messages];
  const first = conversation[0]!;
  if (first.role !== 'user') conversation[0] = { role: 'user', content: (first.content ?? '') as ChatMessageUser['content'] };
  if (conversation.length >= 2 && conversation[1]!.role === 'user') conversation.shift();
  return conversation;
}

/** The category lines of the prompt (`S1: Violent Crimes.`); excluding every code excludes none, as in Llama Stack. */
export function categoryLines(options: LlamaGuardPromptOptions): string[] {
  const excluded = new Set(options.excludedCategories);
  const excludesAll = LLAMA_GUARD_CODES.every((code) => excluded.has(code));
  return options.categories.filter((code) => excludesAll || !excluded.has(code)).map((code) => `${code}: ${LLAMA_GUARD_CATEGORIES[code]}.`);
}

/** Python's str.capitalize, which Llama Stack applies to roles. */
function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/** A message's content as one line of text: parts joined by spaces, images as `<image>`, files as `<file>`. */
function contentText(message: ChatMessage, index: number): string {
  const content = message.content;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      switch (part.type) {
        case 'text':
          return part.text;
        case 'image_url':
          return '<image>';
        case 'file':
          return '<file>';
        case 'refusal':
          return part.refusal;
        default:
          throw new InvalidRequestError(`Llama Guard cannot judge ${part.type} content.`, { param: `messages[${index}].content` });
      }
    })
    .join(' ');
}

/**
 * Llama Guard's prompt for a prepared conversation, byte for byte as Llama Stack writes it: the
 * task, the categories, the conversation (`User: ...`, roles capitalised, turns separated by a
 * blank line) and the instructions, naming the role of the last message.
 */
export function buildLlamaGuardPrompt(conversation: readonly ChatMessage[], options: LlamaGuardPromptOptions): string {
  const agentType = capitalize(conversation[conversation.length - 1]!.role);
  const turns = conversation.map((message, index) => `${capitalize(message.role)}: ${contentText(message, index)}`).join('\n\n');
  return (
    `Task: Check if there is unsafe content in '${agentType}' messages in conversations according our safety policy with the below categories.\n` +
    `\n<BEGIN UNSAFE CONTENT CATEGORIES>\n${categoryLines(options).join('\n')}\n<END UNSAFE CONTENT CATEGORIES>\n` +
    `\n<BEGIN CONVERSATION>\n\n${turns}\n\n<END CONVERSATION>\n` +
    `\nProvide your safety assessment for ONLY THE LAST ${agentType} message in the above conversation:\n` +
    ` - First line must read 'safe' or 'unsafe'.\n` +
    ' - If unsafe, a second line must include a comma-separated list of violated categories.'
  );
}

/**
 * The user message sent to a vision model (Llama Guard 3 11B-Vision): the most recent image of a
 * user message as an image part before the prompt. Older images are left out of the conversation
 * (the model sees one image), as Llama Stack does.
 */
export function buildVisionInput(conversation: readonly ChatMessage[], options: LlamaGuardPromptOptions): ChatMessageUser {
  let latestImage: ChatContentPartImage | undefined;
  const kept = [...conversation]
    .reverse()
    .map((message): ChatMessage => {
      if (typeof message.content === 'string' || !message.content) return message;
      const parts = (message.content as { type: string }[]).filter((part) => {
        if (part.type !== 'image_url') return true;
        if (latestImage || message.role !== 'user') return false;
        latestImage = part as ChatContentPartImage;
        return true;
      });
      return { ...message, content: parts } as ChatMessage;
    })
    .reverse();
  const prompt = buildLlamaGuardPrompt(kept, options);
  return { role: 'user', content: latestImage ? [latestImage, { type: 'text', text: prompt }] : prompt };
}
