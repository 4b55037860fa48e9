import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@cria/api';
import { buildLlamaGuardPrompt, buildVisionInput, categoriesForModel, categoryLines, type LlamaGuardCode, prepareConversation } from '../src/index.js';

interface Recording {
  request: { body: { model: string; messages: { role: string; content: string }[]; stream: boolean; temperature?: number } };
  response: { body: { __data__: { choices: { message: { content: string } }[] } } };
}

const FIXTURES = join(import.meta.dirname, 'fixtures');
const recordings = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, recording: JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Recording }));

/** The user text a recorded prompt judges (its one `User:` turn). */
function judgedText(prompt: string): string {
  return /<BEGIN CONVERSATION>\n\nUser: ([\s\S]*)\n\n<END CONVERSATION>/.exec(prompt)![1]!;
}

const S1_TO_S13 = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12', 'S13'];

describe("Llama Guard's prompt", () => {
  it('has recordings to compare with', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(5);
  });

  it.each(recordings)('is byte-identical to the prompt Llama Stack sent in $name', ({ recording }) => {
    const { model, messages } = recording.request.body;
    const text = judgedText(messages[0]!.content);
    const conversation = prepareConversation([{ role: 'user', content: text }]);
    const prompt = buildLlamaGuardPrompt(conversation, { categories: categoriesForModel(model), excludedCategories: [] });
    expect(prompt).toBe(messages[0]!.content);
    expect(recording.request.body.stream).toBe(false);
    // Older recordings predate Llama Stack's temperature 0; the newer ones carry it.
    expect(recording.request.body.temperature ?? 0).toBe(0);
  });

  it('lists S1..S14 for Llama Guard 3 8B and unknown ids, S1..S13 for 1B, 11B-Vision and 4 12B', () => {
    for (const model of ['Llama-Guard-3-8B', 'meta-llama/Llama-Guard-3-8B', 'llama-guard3:1b', 'ollama/llama-guard3:8b']) {
      expect(categoriesForModel(model)).toEqual([...S1_TO_S13, 'S14']);
    }
    for (const model of ['Llama-Guard-3-1B', 'meta-llama/Llama-Guard-3-1B', 'Llama-Guard-3-11B-Vision', 'meta-llama/Llama-Guard-3-11B-Vision', 'Llama-Guard-4-12B', 'meta-llama/Llama-Guard-4-12B', 'vllm/meta-llama/Llama-Guard-4-12B']) {
      expect(categoriesForModel(model)).toEqual(S1_TO_S13);
    }
    const prompt = buildLlamaGuardPrompt([{ role: 'user', content: 'hi' }], { categories: categoriesForModel('Llama-Guard-3-1B'), excludedCategories: [] });
    expect(prompt).toContain('S13: Elections.\n<END UNSAFE CONTENT CATEGORIES>');
    expect(prompt).not.toContain('S14');
  });

  it('leaves excluded categories out, unless every category is excluded', () => {
    const categories = categoriesForModel('Llama-Guard-3-8B');
    expect(categoryLines({ categories, excludedCategories: ['S2', 'S14'] })).toEqual([
      'S1: Violent Crimes.', 'S3: Sex Crimes.', 'S4: Child Exploitation.', 'S5: Defamation.', 'S6: Specialized Advice.', 'S7: Privacy.',
      'S8: Intellectual Property.', 'S9: Indiscriminate Weapons.', 'S10: Hate.', 'S11: Self-Harm.', 'S12: Sexual Content.', 'S13: Elections.',
    ]);
    const all = [...S1_TO_S13, 'S14'] as LlamaGuardCode[];
    expect(categoryLines({ categories, excludedCategories: all })).toHaveLength(14);
  });

  it('capitalises roles, names the last role, and turns a leading non-user message into a user message', () => {
    const conversation = prepareConversation([
      { role: 'system', content: 'Be brief.' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] },
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      { role: 'assistant', content: 'Nice.' },
    ]);
    const prompt = buildLlamaGuardPrompt(conversation, { categories: categoriesForModel('Llama-Guard-3-8B'), excludedCategories: [] });
    expect(prompt.startsWith("Task: Check if there is unsafe content in 'Assistant' messages in conversations")).toBe(true);
    expect(prompt).toContain('<BEGIN CONVERSATION>\n\nUser: Be brief.\n\nAssistant: Hello there\n\nUser: Look: <image>\n\nAssistant: Nice.\n\n<END CONVERSATION>\n');
    expect(prompt).toContain('Provide your safety assessment for ONLY THE LAST Assistant message in the above conversation:');
  });

  it('drops the first of two leading user messages, and refuses an empty conversation (param messages)', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'first' },
      { role: 'user', content: 'second' },
      { role: 'assistant', content: 'answer' },
    ];
    expect(prepareConversation(messages).map((message) => message.content)).toEqual(['second', 'answer']);
    expect(() => prepareConversation([])).toThrow(expect.objectContaining({ kind: 'invalid_request', param: 'messages' }));
  });

  it('puts the most recent user image before the prompt for the vision model, and drops older ones', () => {
    const options = { categories: categoriesForModel('Llama-Guard-3-11B-Vision'), excludedCategories: [] };
    const input = buildVisionInput(
      [
        { role: 'user', content: [{ type: 'text', text: 'old' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'new' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,BBBB' } }] },
      ],
      options,
    );
    expect(input.role).toBe('user');
    const parts = input.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts[0]).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,BBBB' } });
    expect(parts[1]!.type).toBe('text');
    expect(parts[1]!.text).toContain('User: old\n\nAssistant: ok\n\nUser: new <image>\n\n<END CONVERSATION>');
    expect(buildVisionInput([{ role: 'user', content: 'text only' }], options).content).toEqual(buildLlamaGuardPrompt([{ role: 'user', content: 'text only' }], options));
  });
});
