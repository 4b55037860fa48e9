import { createHash } from 'node:crypto';

/** The tokenizer chunks are measured with, named as Llama Stack records it in chunk_metadata. */
export const CHUNK_TOKENIZER = 'tiktoken:cl100k_base';

/** OpenAI's `auto` chunking strategy (and Llama Stack's defaults for it). */
export const DEFAULT_CHUNK_SIZE_TOKENS = 800;
export const DEFAULT_CHUNK_OVERLAP_TOKENS = 400;

export interface TextChunk {
  text: string;
  /** The token range in the document, `start-end` (Llama Stack's chunk_window). */
  window: string;
  tokenCount: number;
}

interface Tokenizer {
  encode(text: string): number[];
  decode(tokens: Iterable<number>): string;
}

let tokenizer: Promise<Tokenizer> | undefined;

/** cl100k_base, loaded on first use (its tables are large and most servers never chunk). */
function loadTokenizer(): Promise<Tokenizer> {
  // Documents may contain `<|endoftext|>` and the like: they are text here, not special tokens.
  const asText = { disallowedSpecial: new Set<string>() };
  tokenizer ??= import('gpt-tokenizer/encoding/cl100k_base').then((module) => ({ encode: (text) => module.encode(text, asText), decode: module.decode }));
  return tokenizer;
}

export async function countTokens(text: string): Promise<number> {
  return (await loadTokenizer()).encode(text).length;
}

/**
 * Cuts text into windows of `maxTokens` tokens, each starting `maxTokens - overlapTokens` tokens
 * after the previous one, as Llama Stack's make_overlapped_chunks does; unlike it, no window is
 * emitted that lies wholly inside the previous one.
 */
export async function chunkByTokens(text: string, maxTokens: number, overlapTokens: number): Promise<TextChunk[]> {
  if (overlapTokens >= maxTokens) throw new RangeError(`chunk overlap (${overlapTokens}) must be smaller than the chunk size (${maxTokens})`);
  const { encode, decode } = await loadTokenizer();
  const tokens = encode(text);
  const step = maxTokens - overlapTokens;
  const chunks: TextChunk[] = [];
  for (let start = 0; start < tokens.length; start += step) {
    const end = Math.min(start + maxTokens, tokens.length);
    const piece = decode(tokens.slice(start, end));
    if (piece.trim()) chunks.push({ text: piece, window: `${start}-${end}`, tokenCount: end - start });
    if (end === tokens.length) break;
  }
  return chunks;
}

/** A stable chunk id (UUID-shaped), as Llama Stack derives it: a hash of where the chunk comes from and what it says. */
export function chunkIdFor(documentId: string, text: string, window?: string): string {
  const hex = createHash('sha256').update(`${documentId}:${text}${window ? `:${window}` : ''}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
