import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddedChunk, VectorStoreSearchResult } from '@cria/api';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_FILE_SEARCH_TEMPLATES,
  extractFileCitations,
  type FileSearchHit,
  fileSearchTemplates,
  formatFileSearchHits,
  formatVectorStoreSearchResults,
  pythonFloat,
  pythonFormat,
  pythonRepr,
} from '../src/index.js';

/*
 * The expected values below are the output of Llama Stack 0.7.1's formatting code
 * (FileSearchToolRuntimeImpl.query, ToolExecutor._execute_file_search_via_vector_store and
 * _extract_citations_from_text, with the defaults of its VectorStoresConfig) run under
 * Python 3.11 on the same inputs.
 */

const RUNTIME_THREE = {
  "content": [
    "file_search tool found 3 chunks:\nBEGIN of file_search tool results.\n",
    "Result 1\nContent: Llamas are camelids.\nMetadata: {'chunk_id': 'c-a1', 'document_id': 'file-a', 'source': 'llamas.md', 'filename': 'llamas.md', 'year': 2024, 'rating': 4.5, 'tags': ['x', \"it's\"]}\n",
    "Result 2\nContent: Cats \"purr\".\tTabs\nMetadata: {'chunk_id': 'c-b1', 'document_id': 'file-b', 'source': None, 'flag': True, 'note': None}\n",
    "Result 3\nContent: Alpacas give fleece.\nMetadata: {'chunk_id': 'c-a2', 'document_id': 'file-a', 'source': None, 'filename': 'llamas.md'}\n",
    "END of file_search tool results.\n",
    "The above results were retrieved to help answer the user's query: \"what are llamas?\". Use them as supporting information only in answering this query. \n"
  ],
  "metadata": {
    "document_ids": [
      "file-a",
      "file-b",
      "file-a"
    ],
    "chunks": [
      "Llamas are camelids.",
      "Cats \"purr\".\tTabs",
      "Alpacas give fleece."
    ],
    "scores": [
      0.9,
      0.7,
      0.5,
      0.0001
    ],
    "vector_store_ids": [
      "vs_a",
      "vs_b",
      "vs_a"
    ]
  }
};

const RUNTIME_TOKENS = {
  "content": [
    "file_search tool found 3 chunks:\nBEGIN of file_search tool results.\n",
    "Result 1\nContent: Llamas are camelids.\nMetadata: {'chunk_id': 'c-a1', 'document_id': 'file-a', 'source': 'llamas.md', 'filename': 'llamas.md', 'year': 2024, 'rating': 4.5, 'tags': ['x', \"it's\"]}\n",
    "Result 2\nContent: Cats \"purr\".\tTabs\nMetadata: {'chunk_id': 'c-b1', 'document_id': 'file-b', 'source': None, 'flag': True, 'note': None}\n",
    "END of file_search tool results.\n",
    "The above results were retrieved to help answer the user's query: \"what are llamas?\". Use them as supporting information only in answering this query. \n"
  ],
  "metadata": {
    "document_ids": [
      "file-a",
      "file-b",
      "file-a"
    ],
    "chunks": [
      "Llamas are camelids.",
      "Cats \"purr\".\tTabs",
      "Alpacas give fleece."
    ],
    "scores": [
      0.9,
      0.7,
      0.5,
      0.0001
    ],
    "vector_store_ids": [
      "vs_a",
      "vs_b",
      "vs_a"
    ]
  }
};

const RUNTIME_CUSTOM = {
  "content": [
    "1 file_search hits {literal}\n",
    "#1: Llamas are camelids. | {'chunk_id': 'c-a1', 'document_id': 'file-a', 'source': 'llamas.md', 'filename': 'llamas.md', 'year': 2024, 'rating': 4.5, 'tags': ['x', \"it's\"]}\n",
    "--{end}--\n",
    "Q=q.\n"
  ],
  "metadata": {
    "document_ids": [
      "file-a"
    ],
    "chunks": [
      "Llamas are camelids."
    ],
    "scores": [
      0.9,
      0.7,
      0.5,
      0.0001
    ],
    "vector_store_ids": [
      "vs_a"
    ]
  }
};

const RESPONSES = {
  "content": [
    "file_search tool found 3 chunks:\nBEGIN of file_search tool results.\n",
    "[1] document_id: file-a, score: 0.875, attributes: {'year': 2024.0, 'lang': 'en', 'public': True} cite as <|file-a|>\nLlamas are camelids.\n",
    "[2] document_id: file-b, score: 1e-05, attributes: {'filename': 'cats.html'} cite as <|file-b|>\nCats purr.\n",
    "[3] document_id: file-c, score: 1.0, attributes: {'document_id': 'file-c'} cite as <|file-c|>\n\n",
    "END of file_search tool results.\n",
    "The above results were retrieved to help answer the user's query: \"llamas?\". Use them as supporting information only in answering this query. Cite sources immediately at the end of sentences before punctuation, using `<|file-id|>` format like 'This is a fact <|file-Cn3MSNn72ENTiiq11Qda4A|>.'. Do not add extra punctuation. Use only the file IDs provided, do not invent new ones.\n"
  ],
  "metadata": {
    "document_ids": [
      "file-a",
      "file-b",
      ""
    ],
    "chunks": [
      "Llamas are camelids.",
      "Cats purr.",
      ""
    ],
    "scores": [
      0.875,
      1e-05,
      1.0
    ],
    "attributes": [
      {
        "year": 2024.0,
        "lang": "en",
        "public": true
      },
      {
        "filename": "cats.html"
      },
      {
        "document_id": "file-c"
      }
    ],
    "citation_files": {
      "file-a": "llamas.md",
      "file-b": "cats.html",
      "file-c": "c.txt"
    }
  }
};

const RESPONSES_DISABLED = {
  "content": [
    "file_search tool found 3 chunks:\nBEGIN of file_search tool results.\n",
    "[1] document_id: file-a, score: 0.875, attributes: {'year': 2024.0, 'lang': 'en', 'public': True} cite as <|file-a|>\nLlamas are camelids.\n",
    "[2] document_id: file-b, score: 1e-05, attributes: {'filename': 'cats.html'} cite as <|file-b|>\nCats purr.\n",
    "[3] document_id: file-c, score: 1.0, attributes: {'document_id': 'file-c'} cite as <|file-c|>\n\n",
    "END of file_search tool results.\n",
    "Q: llamas? (3) Cite sources immediately at the end of sentences before punctuation, using `<|file-id|>` format like 'This is a fact <|file-Cn3MSNn72ENTiiq11Qda4A|>.'. Do not add extra punctuation. Use only the file IDs provided, do not invent new ones.|\n"
  ],
  "metadata": {
    "document_ids": [
      "file-a",
      "file-b",
      ""
    ],
    "chunks": [
      "Llamas are camelids.",
      "Cats purr.",
      ""
    ],
    "scores": [
      0.875,
      1e-05,
      1.0
    ],
    "attributes": [
      {
        "year": 2024.0,
        "lang": "en",
        "public": true
      },
      {
        "filename": "cats.html"
      },
      {
        "document_id": "file-c"
      }
    ],
    "citation_files": {
      "file-a": "llamas.md",
      "file-b": "cats.html",
      "file-c": "c.txt"
    }
  }
};

const RESPONSES_EMPTY = {
  "content": [
    "file_search tool found 0 chunks:\nBEGIN of file_search tool results.\n",
    "END of file_search tool results.\n",
    "The above results were retrieved to help answer the user's query: \"nothing\". Use them as supporting information only in answering this query. \n"
  ],
  "metadata": {
    "document_ids": [],
    "chunks": [],
    "scores": [],
    "attributes": [],
    "citation_files": {}
  }
};

const EXTRACT = {
  "text": "🦙 Llamas are camelids. Cats purr! Both done",
  "annotations": [
    {
      "type": "file_citation",
      "file_id": "file-a",
      "filename": "llamas.md",
      "index": 21
    },
    {
      "type": "file_citation",
      "file_id": "file-b",
      "filename": "cats.html",
      "index": 38
    },
    {
      "type": "file_citation",
      "file_id": "file-a",
      "filename": "llamas.md",
      "index": 43
    }
  ]
};

function chunk(content: string, metadata: Record<string, unknown>, chunkMetadata: EmbeddedChunk['chunk_metadata']): EmbeddedChunk {
  return { content, chunk_id: chunkMetadata.chunk_id ?? 'x', metadata, chunk_metadata: chunkMetadata, embedding: [0, 1], embedding_model: 'openai/fake-embedding', embedding_dimension: 2 };
}

function hits(): FileSearchHit[] {
  return [
    {
      vectorStoreId: 'vs_a',
      score: 0.9,
      chunk: chunk(
        'Llamas are camelids.',
        { document_id: 'file-a', filename: 'llamas.md', year: 2024, rating: 4.5, tags: ['x', "it's"], token_count: 10, metadata_token_count: 5 },
        { chunk_id: 'c-a1', document_id: 'file-a', source: 'llamas.md' },
      ),
    },
    { vectorStoreId: 'vs_a', score: 0.5, chunk: chunk('Alpacas give fleece.', { document_id: 'file-a', filename: 'llamas.md', token_count: 10, metadata_token_count: 5 }, { chunk_id: 'c-a2' }) },
    { vectorStoreId: 'vs_b', score: 0.7, chunk: chunk('Cats "purr".\tTabs', { document_id: 'file-b', flag: true, note: null }, { chunk_id: 'c-b1', document_id: 'file-b', source: null }) },
    { vectorStoreId: 'vs_b', score: 0.0001, chunk: chunk('x', {}, { chunk_id: 'c-b2' }) },
  ];
}

const texts = (content: unknown) => (content as { type: string; text: string }[]).map((part) => {
  expect(part.type).toBe('text');
  return part.text;
});

describe('the tool runtime\'s file_search result (Llama Stack\'s FileSearchToolRuntimeImpl.query)', () => {
  const templates = fileSearchTemplates(null);

  it('keeps the best max_chunks, shows each with its metadata as a Python dict, and lists them in metadata', () => {
    const result = formatFileSearchHits('what are llamas?', hits(), templates, { maxChunks: 3, maxTokensInContext: 4000 });
    expect(texts(result.content)).toEqual(RUNTIME_THREE.content);
    expect(result.metadata).toMatchObject(RUNTIME_THREE.metadata);
    expect(result.metadata).toMatchObject({
      filenames: ['llamas.md', null, 'llamas.md'],
      citation_files: { 'file-a': 'llamas.md', 'file-b': 'unknown' },
    });
    expect(result).toMatchObject({ error_code: null, error_message: null });
  });

  it('stops adding chunks at max_tokens_in_context (token_count + metadata_token_count), keeping Llama Stack\'s metadata lists', () => {
    const result = formatFileSearchHits('what are llamas?', hits(), templates, { maxChunks: 3, maxTokensInContext: 20 });
    expect(texts(result.content)).toEqual(RUNTIME_TOKENS.content);
    expect(result.metadata).toMatchObject(RUNTIME_TOKENS.metadata);
  });

  it('formats the distribution\'s own templates with Python\'s rules ({{ }}, !r; the footer as written)', () => {
    const custom = fileSearchTemplates({
      file_search_params: { header_template: '{num_chunks} file_search hits {{literal}}\n', footer_template: '--{end}--\n' },
      context_prompt_params: { chunk_annotation_template: '#{index}: {chunk.content} | {metadata!r}\n', context_template: 'Q={query}{annotation_instruction}.\n' },
    });
    const result = formatFileSearchHits('q', hits(), custom, { maxChunks: 1, maxTokensInContext: 4000 });
    expect(texts(result.content)).toEqual(RUNTIME_CUSTOM.content);
    expect(result.metadata).toMatchObject(RUNTIME_CUSTOM.metadata);
  });

  it('answers no content when nothing was found', () => {
    expect(formatFileSearchHits('q', [], templates, { maxChunks: 5, maxTokensInContext: 4000 })).toEqual({ content: [], error_code: null, error_message: null, metadata: { citation_files: null } });
  });
});

function searchResults(): VectorStoreSearchResult[] {
  return [
    { file_id: 'file-a', filename: 'llamas.md', score: 0.875, attributes: { year: 2024, lang: 'en', public: true }, content: [{ type: 'text', text: 'Llamas are camelids.' }] },
    { file_id: 'file-b', filename: '', score: 0.00001, attributes: { filename: 'cats.html' }, content: [{ type: 'text', text: 'Cats purr.' }] },
    { file_id: '', filename: 'c.txt', score: 1, attributes: { document_id: 'file-c' }, content: [] },
  ];
}

describe('the Responses API\'s file_search output (Llama Stack\'s _execute_file_search_via_vector_store)', () => {
  it('frames every result of every page with the annotation template and asks for citations', () => {
    const [first, second, third] = searchResults();
    const output = formatVectorStoreSearchResults('llamas?', [{ data: [first!, second!] }, { data: [third!] }], fileSearchTemplates(null));
    expect(output.content.map((part) => part.text)).toEqual(RESPONSES.content);
    expect(output.text).toBe(RESPONSES.content.join(''));
    expect(output.metadata).toEqual(RESPONSES.metadata);
  });

  it('with annotations disabled, keeps the default chunk template and gives no citation instruction', () => {
    const templates = fileSearchTemplates({
      context_prompt_params: { context_template: 'Q: {query} ({num_chunks}) {annotation_instruction}|\n' },
      annotation_prompt_params: { enable_annotations: false, chunk_annotation_template: '{index}{file_id}{chunk_text}' },
    });
    const output = formatVectorStoreSearchResults('llamas?', [{ data: searchResults() }], templates);
    expect(output.content.map((part) => part.text)).toEqual(RESPONSES_DISABLED.content);
  });

  it('frames an empty search without a citation instruction', () => {
    const output = formatVectorStoreSearchResults('nothing', [], fileSearchTemplates(null));
    expect(output.content.map((part) => part.text)).toEqual(RESPONSES_EMPTY.content);
    expect(output.metadata).toEqual(RESPONSES_EMPTY.metadata);
  });

  it('turns <|file-…|> markers into file_citation annotations at code point offsets', () => {
    const extracted = extractFileCitations('🦙 Llamas are camelids <|file-a|>. Cats purr <|file-zzz|>! Both<|file-b|> done <|file-a|>', { 'file-a': 'llamas.md', 'file-b': 'cats.html' });
    expect(extracted).toEqual(EXTRACT);
  });
});

describe('templates', () => {
  it('default to Llama Stack\'s, field by field', () => {
    expect(fileSearchTemplates(null)).toEqual(DEFAULT_FILE_SEARCH_TEMPLATES);
    expect(fileSearchTemplates({ file_search_params: { footer_template: 'END\n' } })).toEqual({ ...DEFAULT_FILE_SEARCH_TEMPLATES, footer: 'END\n' });
  });

  it('are those Llama Stack 0.7.1\'s starter config spells out', () => {
    const starter = parse(readFileSync(join(import.meta.dirname, '../../../packages/testing/fixtures/llama-stack-0.7.1-starter-config.yaml'), 'utf8')) as { vector_stores: never };
    expect(fileSearchTemplates(starter.vector_stores)).toEqual(DEFAULT_FILE_SEARCH_TEMPLATES);
  });

  it('refuse, naming the setting, a field the formatting does not give or a template Python could not format', () => {
    expect(() => fileSearchTemplates({ context_prompt_params: { context_template: '{query} {user}' } })).toThrow(/vector_stores\.context_prompt_params\.context_template: .*\{user\}/);
    expect(() => fileSearchTemplates({ file_search_params: { header_template: 'file_search {num_chunks} }' } })).toThrow(/file_search_params\.header_template: Single '\}'/);
    expect(() => fileSearchTemplates({ annotation_prompt_params: { chunk_annotation_template: '{index:>3} {chunk_text} {file_id}' } }, 'config.vector_stores_config')).toThrow(/config\.vector_stores_config\.annotation_prompt_params/);
  });
});

describe('Python formatting', () => {
  it('shows floats as Python\'s repr', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'], [1, '1.0'], [0, '0.0'], [-0, '-0.0'], [1e-5, '1e-05'], [0.0001, '0.0001'], [123456789012345.6, '123456789012345.6'],
      [1e16, '1e+16'], [1.5e16, '1.5e+16'], [2.5e-7, '2.5e-07'], [1 / 3, '0.3333333333333333'], [1e22, '1e+22'], [-2, '-2.0'],
      [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [100, '100.0'], [12345678.9, '12345678.9'],
      [Number.NaN, 'nan'], [Number.POSITIVE_INFINITY, 'inf'],
    ];
    for (const [value, repr] of cases) expect(pythonFloat(value)).toBe(repr);
  });

  it('shows strings, lists and dicts as Python\'s repr', () => {
    const cases: [string, string][] = [
      ['plain', "'plain'"], ["it's", '"it\'s"'], ['say "hi"', '\'say "hi"\''], ['both \' and "', '\'both \\\' and "\''], ['back\\slash', "'back\\\\slash'"],
      ['tab\tnew\nline\rcr', "'tab\\tnew\\nline\\rcr'"], ['nul\x00bell\x07del\x7f', "'nul\\x00bell\\x07del\\x7f'"], ['nbsp\u00a0soft\u00adzw\u200b', "'nbsp\\xa0soft\\xadzw\\u200b'"],
      ['é中文🦙', "'é中文🦙'"], ['\u2028sep', "'\\u2028sep'"], ['\u{e0001}tag', "'\\U000e0001tag'"],
    ];
    for (const [value, repr] of cases) expect(pythonRepr(value)).toBe(repr);
    const dict = new Map<string, unknown>([['a', [1, 2.5, null, true]], ['b', { c: "d'" }], ['2024', 1]]);
    expect(pythonRepr(dict)).toBe("{'a': [1, 2.5, None, True], 'b': {'c': \"d'\"}, '2024': 1}");
    expect(pythonRepr({ year: 2024 }, { numbersAsFloat: true })).toBe("{'year': 2024.0}");
  });

  it('formats named fields with attribute and item lookups', () => {
    expect(pythonFormat('{a.b} {a[c]} {d!r} {d!s} {{x}}', { a: { b: 1, c: 'two' }, d: 'q' })).toBe("1 two 'q' q {x}");
    expect(() => pythonFormat('{missing}', { a: 1 })).toThrow(/\{missing\}/);
  });
});
