import { FakeOpenAIUpstream } from '@cria/testing';

/** The Llama Guard models the fake serves. */
export const GUARD_MODELS = ['llama-guard3:1b', 'Llama-Guard-3-8B', 'Llama-Guard-3-11B-Vision'];

/** The last turn of a Llama Guard prompt's conversation, without its `Role: `. */
export function lastTurn(prompt: string): string {
  const conversation = /<BEGIN CONVERSATION>\n\n([\s\S]*)\n\n<END CONVERSATION>/.exec(prompt)?.[1] ?? '';
  return conversation.split('\n\n').at(-1)!.replace(/^[A-Z][a-z]+: /, '');
}

/**
 * What the fake Llama Guard answers to the last turn, in Llama Guard's format: a kidnapping is
 * S1, hatred S1,S10, cocaine S2, an election S13, `gibberish` an answer that is not Llama Guard's,
 * and a shown picture S12; anything else is safe.
 */
function verdict(text: string, sawImage: boolean): string {
  if (text.includes('gibberish')) return 'I would rather not say.';
  if (text.includes('kidnap')) return 'unsafe\nS1';
  if (text.includes('hate')) return 'unsafe\nS1,S10';
  if (text.includes('cocaine')) return 'unsafe\nS2';
  if (text.includes('election')) return 'unsafe\nS13';
  if (sawImage) return 'unsafe\nS12';
  return 'safe';
}

/** An OpenAI-compatible upstream (remote::openai talks to it) whose models answer as Llama Guard does. */
export function startLlamaGuardUpstream(): Promise<FakeOpenAIUpstream> {
  return FakeOpenAIUpstream.start({
    apiKey: 'test-key',
    models: GUARD_MODELS.map((id) => ({ id })),
    reply: (request) => {
      const content = request.messages?.[0]?.content;
      const parts: { type: string; text?: string }[] = typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
      const prompt = parts.find((part) => part.type === 'text')?.text ?? '';
      return verdict(lastTurn(prompt), parts.some((part) => part.type === 'image_url'));
    },
  });
}
