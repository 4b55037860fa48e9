import { expect } from 'vitest';
import type { AttributeFilter, ChunkMatch, ChunkQuery, ProviderLifecycle, StoredChunk, VectorChunk, VectorIOProvider } from '@cria/api';
import { matchesAttributeFilter } from '@cria/provider-utils/vector-io';

/**
 * The data and checks the vector IO contract shares between its parts: a seeded corpus whose
 * metadata has every JSON type the filters compare, the exact answers to compare providers with,
 * and the filters every provider must honour.
 */

/** What each part of the contract works with, set up by describeVectorIOContract. */
export interface VectorIOContractSuite {
  /** The provider under test (a new instance after `restart`). */
  readonly provider: VectorIOProvider & ProviderLifecycle;
  /** Whether the provider searches by keyword (and so hybrid); when not, it refuses both as unsupported. */
  readonly keywordSearch: boolean;
  /** The corpus the stores hold by default. */
  readonly chunks: readonly VectorChunk[];
  /** The suite's one random source: the parts draw from it in the order they are declared. */
  readonly random: () => number;
  /** A fresh store holding `contents` (the corpus by default). */
  newStore(contents?: readonly VectorChunk[]): Promise<string>;
  /** Queries a store for up to 10 chunks unless told otherwise. */
  query(storeId: string, partial: Partial<ChunkQuery> & Pick<ChunkQuery, 'mode'>): Promise<ChunkMatch[]>;
  /** Shuts the provider down and opens a new one on the same storage. */
  restart(): Promise<void>;
}

export const DIMENSION = 8;
const ANIMALS = ['llama', 'alpaca', 'camel', 'vicuna', 'guanaco'];
const COLOURS = ['red', 'green', 'blue', 'yellow'];
const CATEGORIES = ['news', 'blog', 'paper'];

/** A deterministic pseudo-random generator (mulberry32) of numbers in [0, 1), so every run sees the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVector(random: () => number): number[] {
  return Array.from({ length: DIMENSION }, () => random() * 2 - 1);
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return dot / Math.sqrt(normA * normB);
}

/** 40 chunks whose metadata has every JSON type the filters compare, some keys missing. */
export function corpus(): VectorChunk[] {
  const random = seededRandom(7);
  return Array.from({ length: 40 }, (_, index) => ({
    chunkId: `chunk-${String(index).padStart(2, '0')}`,
    content: `${ANIMALS[index % 5]} ${COLOURS[index % 4]} pasture number${index}`,
    embedding: randomVector(random),
    metadata: {
      category: CATEGORIES[index % 3],
      year: 2015 + (index % 10),
      year_text: String(2015 + (index % 10)),
      published: index % 2 === 0,
      rating: (index % 5) + 0.5,
      'a.b': index % 4,
      ...(index % 7 === 0 ? {} : { tag: `t${index % 4}` }),
    },
    chunkMetadata: { file_id: `file-${index % 2 === 0 ? 'even' : 'odd'}`, chunk_index: index },
  }));
}

/** The exact answer: the `k` chunks satisfying `filter` with the highest cosine similarity to `embedding`. */
export function bruteForceNearest(chunks: readonly VectorChunk[], embedding: readonly number[], k: number, filter?: AttributeFilter): { chunkId: string; score: number }[] {
  return chunks
    .filter((chunk) => !filter || matchesAttributeFilter(chunk.metadata, filter))
    .map((chunk) => ({ chunkId: chunk.chunkId, score: cosine(chunk.embedding, embedding) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

export function ids(matches: readonly { chunkId: string }[]): string[] {
  return matches.map((match) => match.chunkId);
}

/** A chunk as listChunks answers it without embeddings. */
export function stored(chunk: VectorChunk): StoredChunk {
  return { chunkId: chunk.chunkId, content: chunk.content, metadata: chunk.metadata, chunkMetadata: chunk.chunkMetadata ?? {} };
}

/** Checks that listed chunks carry the embeddings they were inserted with (to float32 precision), in order. */
export function expectEmbeddings(listed: readonly StoredChunk[], inserted: readonly VectorChunk[]): void {
  expect(ids(listed)).toEqual(ids(inserted));
  listed.forEach((chunk, index) => {
    expect(chunk.embedding).toHaveLength(inserted[index]!.embedding.length);
    chunk.embedding!.forEach((value, position) => expect(value).toBeCloseTo(inserted[index]!.embedding[position]!, 5));
  });
}

export function expectDescending(matches: readonly ChunkMatch[]): void {
  for (let index = 1; index < matches.length; index++) expect(matches[index]!.score).toBeLessThanOrEqual(matches[index - 1]!.score);
}

export const FILTERS: [string, AttributeFilter][] = [
  ['eq on a string', { type: 'eq', key: 'category', value: 'blog' }],
  ['eq on a number', { type: 'eq', key: 'year', value: 2018 }],
  ['eq on a boolean', { type: 'eq', key: 'published', value: false }],
  ['eq is type-strict (a numeric string is not the number)', { type: 'eq', key: 'year_text', value: 2018 }],
  ['eq is type-strict (true is not the number 1)', { type: 'eq', key: 'published', value: 1 }],
  ['in is type-strict (false is not the number 0)', { type: 'in', key: 'published', value: [0, 'false'] }],
  ['ne, which missing keys satisfy', { type: 'ne', key: 'tag', value: 't1' }],
  ['gt on a number', { type: 'gt', key: 'year', value: 2020 }],
  ['gte on a number', { type: 'gte', key: 'rating', value: 3.5 }],
  ['lt on a number', { type: 'lt', key: 'year', value: 2017 }],
  ['lte on a number', { type: 'lte', key: 'rating', value: 1.5 }],
  ['gt on a string', { type: 'gt', key: 'year_text', value: '2021' }],
  ['lt never matches across types', { type: 'lt', key: 'year_text', value: 3000 }],
  ['in with strings', { type: 'in', key: 'tag', value: ['t0', 't3'] }],
  ['in with numbers', { type: 'in', key: 'year', value: [2015, 2024] }],
  ['nin, which missing keys satisfy', { type: 'nin', key: 'tag', value: ['t0', 't1', 't2'] }],
  ['a key with a dot', { type: 'eq', key: 'a.b', value: 3 }],
  ['and', { type: 'and', filters: [{ type: 'eq', key: 'category', value: 'news' }, { type: 'gte', key: 'year', value: 2019 }] }],
  ['or', { type: 'or', filters: [{ type: 'eq', key: 'category', value: 'paper' }, { type: 'eq', key: 'published', value: true }] }],
  [
    'or of ands',
    {
      type: 'or',
      filters: [
        { type: 'and', filters: [{ type: 'eq', key: 'category', value: 'blog' }, { type: 'lt', key: 'rating', value: 2 }] },
        { type: 'and', filters: [{ type: 'in', key: 'tag', value: ['t2'] }, { type: 'ne', key: 'published', value: true }] },
      ],
    },
  ],
  ['a filter two chunks satisfy', { type: 'and', filters: [{ type: 'eq', key: 'year', value: 2016 }, { type: 'eq', key: 'category', value: 'blog' }] }],
  ['a filter no chunk satisfies', { type: 'eq', key: 'category', value: 'poem' }],
];
