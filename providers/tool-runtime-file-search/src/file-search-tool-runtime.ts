import {
  InvalidRequestError,
  type ProviderContext,
  type QueryChunksParams,
  type RequestContext,
  type ToolDef,
  type ToolInvocationResult,
  type ToolRuntimeProvider,
  type ToolSource,
  type VectorIOApi,
  type VectorStoresConfig,
} from '@cria/api';
import type { FileSearchToolRuntimeConfig } from './file-search-config.js';
import { type FileSearchHit, formatFileSearchHits } from './file-search-results.js';
import { DEFAULT_MAX_TOKENS_IN_CONTEXT, type FileSearchTemplates, fileSearchTemplates } from './file-search-templates.js';

/** The built-in tool group this provider serves. */
export const FILE_SEARCH_TOOL_GROUP = 'builtin::file_search';

/** The tools as Llama Stack's file-search runtime lists them. */
export const FILE_SEARCH_TOOLS: readonly ToolDef[] = Object.freeze([
  { name: 'insert_into_memory', description: 'Insert documents into memory', input_schema: null, output_schema: null, metadata: null },
  {
    name: 'file_search',
    description: 'Search files for relevant information',
    input_schema: {
      type: 'object',
      properties: { query: { type: 'string', description: 'The query to search for. Can be a natural language sentence or keywords.' } },
      required: ['query'],
    },
    output_schema: null,
    metadata: null,
  },
]);

/** Llama Stack's RAGQueryConfig, as the tool's `query_config` argument gives it. */
interface QueryConfig {
  maxChunks: number;
  maxTokensInContext: number;
  mode: 'vector' | 'keyword' | 'hybrid';
  separator: string;
  ranker: Pick<QueryChunksParams, 'reranker_type' | 'reranker_params'>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function positiveInteger(value: unknown, param: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new InvalidRequestError(`${param} must be a positive integer.`, { param });
  return value;
}

/** The text of the `query` argument: a string, or text content items joined by `separator`. */
function queryText(query: unknown, separator: string): string {
  const param = 'kwargs.query';
  if (query === undefined || query === null) throw new InvalidRequestError("The file_search tool needs a 'query' argument (kwargs.query): the text to search the vector stores for.", { param });
  if (typeof query === 'string') return query;
  const items = Array.isArray(query) ? query : [query];
  if (items.every((item) => isRecord(item) && item.type === 'text' && typeof item.text === 'string')) return items.map((item) => (item as { text: string }).text).join(separator);
  throw new InvalidRequestError('kwargs.query must be a string or text content items ({type: "text", text}).', { param });
}

function vectorStoreIds(value: unknown): string[] {
  const param = 'kwargs.vector_store_ids';
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw new InvalidRequestError('No vector stores were provided to the file_search tool: name at least one in kwargs.vector_store_ids.', { param });
  }
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id)) throw new InvalidRequestError('kwargs.vector_store_ids must be a list of vector store ids.', { param });
  return value as string[];
}

function parseRanker(value: unknown): QueryConfig['ranker'] {
  const param = 'kwargs.query_config.ranker';
  if (value === undefined || value === null) return {};
  if (isRecord(value) && (value.type ?? 'rrf') === 'rrf') {
    const impactFactor = value.impact_factor ?? 60;
    if (typeof impactFactor !== 'number' || impactFactor <= 0) throw new InvalidRequestError(`${param}.impact_factor must be a number above 0.`, { param: `${param}.impact_factor` });
    return { reranker_type: 'rrf', reranker_params: { impact_factor: impactFactor } };
  }
  if (isRecord(value) && value.type === 'weighted') {
    const alpha = value.alpha ?? 0.5;
    if (typeof alpha !== 'number' || alpha < 0 || alpha > 1) throw new InvalidRequestError(`${param}.alpha must be a number from 0 to 1.`, { param: `${param}.alpha` });
    return { reranker_type: 'weighted', reranker_params: { alpha } };
  }
  throw new InvalidRequestError(`${param} is {type: "rrf", impact_factor} or {type: "weighted", alpha}.`, { param });
}

/** The `query_config` argument, with Llama Stack's defaults (its max_tokens_in_context from the distribution). */
function parseQueryConfig(value: unknown, defaultMaxTokens: number): QueryConfig {
  const param = 'kwargs.query_config';
  // Without a query_config Llama Stack builds one with the distribution's max_tokens_in_context; a given one defaults to 4096.
  if (value === undefined || value === null) return { maxChunks: 5, maxTokensInContext: defaultMaxTokens, mode: 'vector', separator: ' ', ranker: {} };
  if (!isRecord(value)) throw new InvalidRequestError(`${param} must be an object (Llama Stack's RAGQueryConfig).`, { param });
  const mode = value.mode ?? 'vector';
  if (mode !== 'vector' && mode !== 'keyword' && mode !== 'hybrid') throw new InvalidRequestError(`${param}.mode is vector, keyword or hybrid.`, { param: `${param}.mode` });
  if (value.chunk_template !== undefined && (typeof value.chunk_template !== 'string' || !value.chunk_template.includes('{chunk.content}') || !value.chunk_template.includes('{index}'))) {
    throw new InvalidRequestError(`${param}.chunk_template must contain {chunk.content} and {index}.`, { param: `${param}.chunk_template` });
  }
  let separator = ' ';
  const generator = value.query_generator_config;
  if (generator !== undefined && generator !== null) {
    const generatorParam = `${param}.query_generator_config`;
    if (!isRecord(generator) || (generator.type ?? 'default') !== 'default') {
      throw new InvalidRequestError(`${generatorParam}: only the default query generator ({type: "default", separator}) is supported; the llm generator is not.`, { param: generatorParam });
    }
    if (generator.separator !== undefined && typeof generator.separator !== 'string') throw new InvalidRequestError(`${generatorParam}.separator must be a string.`, { param: `${generatorParam}.separator` });
    separator = (generator.separator as string | undefined) ?? ' ';
  }
  return {
    maxChunks: positiveInteger(value.max_chunks, `${param}.max_chunks`, 5),
    maxTokensInContext: positiveInteger(value.max_tokens_in_context, `${param}.max_tokens_in_context`, 4096),
    mode,
    separator,
    ranker: parseRanker(value.ranker),
  };
}

/**
 * `inline::file-search`: the `builtin::file_search` tool group. Its `file_search` tool queries
 * the named vector stores through the vector_io API (all at once), keeps the best chunks and
 * frames them with the distribution's templates, as Llama Stack's file-search runtime does.
 * Documents reach the stores through the vector stores API (files attached to a store), so
 * `insert_into_memory` is listed, as Llama Stack lists it, but not invocable.
 */
export class FileSearchToolRuntime implements ToolRuntimeProvider {
  readonly builtinToolGroup = { toolgroup_id: FILE_SEARCH_TOOL_GROUP, ready: true };

  constructor(
    private readonly vectorIo: VectorIOApi,
    private readonly templates: FileSearchTemplates,
    /** chunk_retrieval_params.max_tokens_in_context. */
    private readonly maxTokensInContext: number,
  ) {}

  static create(config: FileSearchToolRuntimeConfig, context: ProviderContext<{ vector_io: VectorIOApi }>): FileSearchToolRuntime {
    // As Llama Stack: the distribution's section replaces the provider's own setting whole.
    const fromDistribution = context.vectorStoresConfig ?? null;
    const settings: Readonly<VectorStoresConfig> | null = fromDistribution ?? config.vector_stores_config ?? null;
    const where = fromDistribution ? 'vector_stores' : 'config.vector_stores_config';
    return new FileSearchToolRuntime(context.deps.vector_io, fileSearchTemplates(settings, where), settings?.chunk_retrieval_params?.max_tokens_in_context ?? DEFAULT_MAX_TOKENS_IN_CONTEXT);
  }

  async listRuntimeTools(): Promise<ToolDef[]> {
    return FILE_SEARCH_TOOLS.map((tool) => ({ ...tool }));
  }

  async invokeTool(_source: ToolSource, toolName: string, kwargs: Record<string, unknown>, context: RequestContext): Promise<ToolInvocationResult> {
    if (toolName === 'insert_into_memory') {
      throw new InvalidRequestError('insert_into_memory cannot be invoked: add documents by attaching files to a vector store (POST /v1/vector_stores/{vector_store_id}/files).', { param: 'tool_name' });
    }
    const queryConfig = parseQueryConfig(kwargs.query_config, this.maxTokensInContext);
    const query = queryText(kwargs.query, queryConfig.separator);
    const storeIds = vectorStoreIds(kwargs.vector_store_ids);
    const params: QueryChunksParams = { mode: queryConfig.mode, max_chunks: queryConfig.maxChunks, score_threshold: 0, ...queryConfig.ranker };
    const answers = await Promise.all(storeIds.map((vectorStoreId) => this.vectorIo.queryChunks({ vector_store_id: vectorStoreId, query, params }, context)));
    const hits: FileSearchHit[] = answers.flatMap((answer, position) => answer.chunks.map((chunk, index) => ({ chunk, score: answer.scores[index]!, vectorStoreId: storeIds[position]! })));
    // The query is searched with the generator's separator but shown joined by spaces, as Llama Stack does.
    return formatFileSearchHits(queryText(kwargs.query, ' '), hits, this.templates, { maxChunks: queryConfig.maxChunks, maxTokensInContext: queryConfig.maxTokensInContext });
  }
}
