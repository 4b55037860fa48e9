import { describe, expect, it } from 'vitest';
import { chunkByTokens, chunkIdFor, countTokens } from './vector-stores-chunking.js';

describe('token chunking', () => {
  it('cuts windows of max tokens, each starting max - overlap after the previous, ending at the last token', async () => {
    const words = Array.from({ length: 250 }, (_, index) => `w${index}`).join(' ');
    const total = await countTokens(words);
    const chunks = await chunkByTokens(words, 100, 40);
    expect(chunks[0]).toMatchObject({ window: '0-100', tokenCount: 100 });
    expect(chunks[1]!.window).toBe('60-160');
    expect(chunks.at(-1)!.window).toBe(`${(chunks.length - 1) * 60}-${total}`);
    // No window lies wholly inside the one before it.
    const [start, end] = chunks.at(-1)!.window.split('-').map(Number);
    expect(end! - start!).toBeGreaterThan(40);
    // Consecutive chunks share their overlap.
    expect(chunks[0]!.text).toContain(chunks[1]!.text.slice(0, 20));
    expect(chunks[0]!.text.startsWith(chunks[1]!.text.slice(0, 20))).toBe(false);
  });

  it('keeps a short text whole, skips blank windows, and treats special-token text as text', async () => {
    expect(await chunkByTokens('A short note.', 800, 400)).toEqual([{ text: 'A short note.', window: '0-4', tokenCount: 4 }]);
    expect(await chunkByTokens('   \n\n  ', 800, 400)).toEqual([]);
    const special = await chunkByTokens('before <|endoftext|> after', 800, 400);
    expect(special[0]!.text).toBe('before <|endoftext|> after');
    await expect(chunkByTokens('x', 100, 100)).rejects.toThrow(RangeError);
  });

  it('derives stable, UUID-shaped chunk ids', () => {
    const id = chunkIdFor('file-1', 'text', '0-4');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(chunkIdFor('file-1', 'text', '0-4')).toBe(id);
    expect(chunkIdFor('file-2', 'text', '0-4')).not.toBe(id);
  });
});
